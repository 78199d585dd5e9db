"""The fused C kernels (fused_kernels.c) as torch autograd functions for HappyMaps.

- ``grey_conv_pool(x, conv, relu)``: the first conv on the one-channel image, 2x2 max pooling
  and ReLU (or none), forward and image gradient in one pass each (where ``fusable``);
- ``pool_relu(x, relu)``: 2x2 max pooling and ReLU after a later conv (where ``poolable``);
- ``jitter(img, m)``: each image through its own affine map, as grid_sample with reflection.
mapops uses them where they fit and the library loaded (``available``), torch otherwise. Same
maths as torch's layers; sums run in another order, so values agree to float rounding (pooling
bit for bit; tests/core/maps/test_fused.py).

A batch is split across torch's thread count: ctypes lets go of the GIL during each call.
"""
from __future__ import annotations

import ctypes
from concurrent.futures import ThreadPoolExecutor

import torch

from faceviz_gui.core.maps import native_build

_F, _U8 = ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_uint8)
_pools: dict[int, ThreadPoolExecutor] = {}


def available() -> bool:
    return _lib() is not None


def fusable(conv, pool, act, x: torch.Tensor) -> bool:
    """Whether (conv, pool, act) on ``x`` is the shape the kernel takes, and it loaded."""
    return (isinstance(conv, torch.nn.Conv2d) and conv.in_channels == 1 and x.shape[1] == 1
            and x.dtype == torch.float32 and x.device.type == "cpu" and conv.weight.dtype == torch.float32
            and conv.stride == (1, 1) and conv.dilation == (1, 1) and conv.groups == 1
            and not isinstance(conv.padding, str) and conv.padding_mode == "zeros"
            and max(conv.kernel_size) <= 9 and conv.out_channels <= 512
            and not conv.weight.requires_grad and (conv.bias is None or not conv.bias.requires_grad)
            and _is_pool2(pool) and isinstance(act, (torch.nn.ReLU, torch.nn.Identity)) and available())


def poolable(pool, act, x: torch.Tensor) -> bool:
    """Whether 2x2 max pooling then ``act`` on ``x`` is what pool_relu does, and it loaded."""
    return (x.dtype == torch.float32 and x.device.type == "cpu" and x.dim() == 4
            and _is_pool2(pool) and isinstance(act, (torch.nn.ReLU, torch.nn.Identity)) and available())


def pool_relu(x: torch.Tensor, relu: bool) -> torch.Tensor:
    return _PoolRelu.apply(x, relu)


def jitter(img: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """``img`` (n, 1, h, w) resampled through each sample's affine map ``m`` (n, 6) in grid
    coordinates, as mapops.jitter's grid_sample (bilinear, reflection, align_corners=False)."""
    return _Jitter.apply(img, m)


def grey_conv_pool(x: torch.Tensor, conv: torch.nn.Conv2d, relu: bool) -> torch.Tensor:
    return _GreyConvPool.apply(x, conv.weight, conv.bias, tuple(conv.padding), relu)


def _is_pool2(pool) -> bool:
    return (isinstance(pool, torch.nn.MaxPool2d) and _pair(pool.kernel_size) == (2, 2)
            and _pair(pool.stride or pool.kernel_size) == (2, 2) and _pair(pool.padding) == (0, 0)
            and _pair(pool.dilation) == (1, 1) and not pool.ceil_mode and not pool.return_indices)


def _pair(v) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)


def _lib():
    lib = native_build.load()
    if lib is not None and not getattr(lib, "_typed", False):
        i = ctypes.c_int
        lib.grey_conv_pool_forward.argtypes = [_F, i, i, i, i, _F, _F, i, i, i, i, i, i, _F, _U8]
        lib.grey_conv_pool_backward.argtypes = [_F, _F, _U8, i, i, i, i, _F, i, i, i, i, i, i, _F]
        lib.grey_conv_pool_forward.restype = lib.grey_conv_pool_backward.restype = i
        lib.pool_relu_forward.argtypes = [_F, i, i, i, i, i, i, _F, _U8]
        lib.pool_relu_backward.argtypes = [_F, _F, _U8, i, i, i, i, i, i, _F]
        lib.pool_relu_forward.restype = lib.pool_relu_backward.restype = i
        lib.jitter_forward.argtypes = lib.jitter_backward.argtypes = [_F, _F, i, i, i, i, _F]
        lib.jitter_forward.restype = lib.jitter_backward.restype = i
        lib._typed = True
    return lib


def _ptr(t: torch.Tensor, kind=_F):
    return ctypes.cast(t.data_ptr(), kind)


def _split(n: int, call) -> None:
    """``call(n0, n1)`` over [0, n), in torch's thread count of slices at once."""
    workers = max(1, min(torch.get_num_threads(), n))
    if workers == 1:
        codes = [call(0, n)]
    else:
        pool = _pools.get(workers) or _pools.setdefault(workers, ThreadPoolExecutor(workers))
        cuts = [n * k // workers for k in range(workers + 1)]
        codes = list(pool.map(lambda k: call(cuts[k], cuts[k + 1]), range(workers)))
    if any(codes):
        raise RuntimeError("fused kernel refused its shapes (fusable() should have said so)")


class _GreyConvPool(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, padding, relu):
        lib = _lib()
        n, _, h, w = x.shape
        c, _, kh, kw = weight.shape
        ph, pw = padding
        ho, wo = (h + 2 * ph - kh + 1) // 2, (w + 2 * pw - kw + 1) // 2
        xs = x.detach().reshape(n, h, w).contiguous()
        wt = weight.detach().reshape(c, kh * kw).t().contiguous()
        b = (bias.detach() if bias is not None else weight.new_zeros(c)).contiguous()
        y = torch.empty((n, c, ho, wo), memory_format=torch.channels_last)
        arg = torch.empty((n, ho, wo, c), dtype=torch.uint8)
        _split(n, lambda n0, n1: lib.grey_conv_pool_forward(
            _ptr(xs), n0, n1, h, w, _ptr(wt), _ptr(b), c, kh, kw, ph, pw, int(relu), _ptr(y), _ptr(arg, _U8)))
        ctx.save_for_backward(weight, y, arg)
        ctx.shape, ctx.padding, ctx.relu = (n, h, w), (ph, pw), relu
        return y

    @staticmethod
    def backward(ctx, gy):
        lib = _lib()
        weight, y, arg = ctx.saved_tensors
        (n, h, w), (ph, pw) = ctx.shape, ctx.padding
        c, _, kh, kw = weight.shape
        gy = gy.float().contiguous(memory_format=torch.channels_last)
        rows = _window_rows(weight.detach())
        gx = torch.empty((n, 1, h, w))
        _split(n, lambda n0, n1: lib.grey_conv_pool_backward(
            _ptr(gy), _ptr(y), _ptr(arg, _U8), n0, n1, h, w, _ptr(rows), c, kh, kw, ph, pw,
            int(ctx.relu), _ptr(gx)))
        return gx, None, None, None, None


def _window_rows(weight: torch.Tensor) -> torch.Tensor:
    """(4, C, (kh+1)*(kw+1)): each channel's kernel at each of the four pooling window positions."""
    c, _, kh, kw = weight.shape
    rows = weight.new_zeros(4, c, kh + 1, kw + 1)
    for p in range(4):
        a, e = divmod(p, 2)
        rows[p, :, a:a + kh, e:e + kw] = weight[:, 0]
    return rows.reshape(4, c, -1).contiguous()



class _PoolRelu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, relu):
        lib = _lib()
        n, c, h, w = x.shape
        xs = x.detach().contiguous(memory_format=torch.channels_last)
        y = torch.empty((n, c, h // 2, w // 2), memory_format=torch.channels_last)
        arg = torch.empty((n, h // 2, w // 2, c), dtype=torch.uint8)
        _split(n, lambda n0, n1: lib.pool_relu_forward(
            _ptr(xs), n0, n1, h, w, c, int(relu), _ptr(y), _ptr(arg, _U8)))
        ctx.save_for_backward(y, arg)
        ctx.shape, ctx.relu = (n, c, h, w), relu
        return y

    @staticmethod
    def backward(ctx, gy):
        lib = _lib()
        y, arg = ctx.saved_tensors
        n, c, h, w = ctx.shape
        gy = gy.float().contiguous(memory_format=torch.channels_last)
        gx = torch.empty((n, c, h, w), memory_format=torch.channels_last)
        _split(n, lambda n0, n1: lib.pool_relu_backward(
            _ptr(gy), _ptr(y), _ptr(arg, _U8), n0, n1, h, w, c, int(ctx.relu), _ptr(gx)))
        return gx, None


class _Jitter(torch.autograd.Function):
    @staticmethod
    def forward(ctx, img, m):
        lib = _lib()
        n, _, h, w = img.shape
        src, m = img.detach().contiguous(), m.detach().float().contiguous()
        out = torch.empty((n, 1, h, w))
        _split(n, lambda n0, n1: lib.jitter_forward(_ptr(src), _ptr(m), n0, n1, h, w, _ptr(out)))
        ctx.save_for_backward(m)
        return out

    @staticmethod
    def backward(ctx, g):
        lib = _lib()
        (m,) = ctx.saved_tensors
        n, _, h, w = g.shape
        g = g.float().contiguous()
        gimg = torch.empty((n, 1, h, w))
        _split(n, lambda n0, n1: lib.jitter_backward(_ptr(g), _ptr(m), n0, n1, h, w, _ptr(gimg)))
        return gimg, None
