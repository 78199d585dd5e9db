"""The tensor side of one HappyMaps step: jitter, the forward pass below the target layer,
and each sample's objective computed from the target's input. Split from happymaps.py, which
holds the optimisation loop, reporting and caching."""
from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F

from faceviz_gui.core.maps import fused
from faceviz_gui.core.training.nets import FaceNet, NamedLayer

SHIFT = 0.06                 # of the image size
SCALE_RANGE = (0.95, 1.05)
ROTATE_DEG = 5.0
FIRST_LAYER_LEAK = 0.1       # see objective_of


def layers_below(model: FaceNet, target: NamedLayer) -> list[NamedLayer]:
    out = []
    for l in model.layers:
        if l is target:
            return out
        out.append(l)
    raise KeyError(target.name)


def forward_below(layers, x):
    """The layers below the target, same maths as FaceNet but cheaper on the CPU.

    relu(maxpool(conv)) equals maxpool(relu(conv)) (both monotone), and pooling first runs the
    ReLU and its backward on a quarter of the pixels; dropout is the identity in eval mode.
    A first conv on the grey image followed by 2x2 pooling runs as one fused C kernel where it
    loaded (fused.py), else as _GreyConv and torch's pooling.
    """
    i = 0
    while i < len(layers):
        l = layers[i]
        nxt = layers[i + 1] if i + 1 < len(layers) else None
        op = l.op
        if i == 0 and nxt is not None and fused.fusable(op, nxt.op, l.act, x):
            x = fused.grey_conv_pool(x, op, relu=isinstance(l.act, torch.nn.ReLU))
            i += 2
            continue
        if i == 0 and _grey_conv(op, x):
            op = functools.partial(_GreyConv.apply, weight=op.weight, bias=op.bias, padding=op.padding)
        if (l.kind == "conv2d" and nxt is not None and nxt.kind == "max_pooling2d"
                and isinstance(l.act, (torch.nn.ReLU, torch.nn.Identity))):
            x = op(x)
            if fused.poolable(nxt.op, l.act, x):
                x = fused.pool_relu(x, relu=isinstance(l.act, torch.nn.ReLU))
            else:
                x = l.act(nxt.op(x))
            i += 2
            continue
        x = l.act(op(x))
        i += 1
    return x


def _grey_conv(op, x) -> bool:
    return (isinstance(op, torch.nn.Conv2d) and op.in_channels == 1 and x.shape[1] == 1
            and op.stride == (1, 1) and op.dilation == (1, 1) and op.groups == 1
            and not isinstance(op.padding, str) and op.padding_mode == "zeros"
            and not op.weight.requires_grad and (op.bias is None or not op.bias.requires_grad))


class _GreyConv(torch.autograd.Function):
    """The first conv on the one-channel image, with a cheaper image gradient.

    oneDNN's input gradient for a one-channel convolution is slow on the CPU: 18 ms for 64
    images at 64x60 on the 2-core AVX2 EPYC (the forward takes 4.5 ms), 64 ms through
    torch.nn.grad. As col2im it is one (taps, channels) @ (channels, pixels) matmul and a
    fold (done as shifted adds): 8 ms, same values (tests/core/maps/test_happymaps.py checks them). Weights are frozen
    (happymaps freezes them), so no weight gradient is computed.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, padding):
        ctx.save_for_backward(weight)
        ctx.size, ctx.padding = x.shape[-2:], tuple(padding)
        return F.conv2d(x, weight, bias, padding=padding)

    @staticmethod
    def backward(ctx, g):
        (weight,) = ctx.saved_tensors
        c, _, kh, kw = weight.shape
        n = g.shape[0]
        taps = weight.reshape(c, kh * kw).t().to(g.dtype)             # (taps, channels)
        per_channel = g.transpose(0, 1).reshape(c, -1)                 # (channels, n * pixels)
        cols = (taps @ per_channel).view(kh * kw, n, 1, *g.shape[-2:])
        # The fold as kh * kw shifted adds: col2im here is a scalar loop (4 of ~66 ms a step)
        # and needs the columns transposed to (n, taps, pixels) first.
        (h, w), (ph, pw) = ctx.size, ctx.padding
        grad = cols.new_zeros(n, 1, h + 2 * ph, w + 2 * pw)
        ho, wo = g.shape[-2:]
        for t in range(kh * kw):
            ky, kx = divmod(t, kw)
            grad[..., ky:ky + ho, kx:kx + wo] += cols[t]
        return grad[..., ph:ph + h, pw:pw + w], None, None, None


def jitter(img: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """One random affine per sample (``r``: (n, 4) uniforms in [0, 1)), reflection padded."""
    n, _, h, w = img.shape
    tx, ty = (r[:, 0] * 2 - 1) * SHIFT * 2, (r[:, 1] * 2 - 1) * SHIFT * 2   # grid spans [-1, 1]
    s = 1.0 / (SCALE_RANGE[0] + r[:, 2] * (SCALE_RANGE[1] - SCALE_RANGE[0]))
    a = (r[:, 3] * 2 - 1) * math.radians(ROTATE_DEG)
    cos, sin = torch.cos(a) * s, torch.sin(a) * s
    if (img.device.type == "cpu" and img.dtype == torch.float32 and img.shape[1] == 1
            and w <= 4096 and fused.available()):
        # the same grid, x' = cos x - sin (h/w) y + tx and y' = sin (w/h) x + cos y + ty,
        # resampled in C (fused.py)
        return fused.jitter(img, torch.stack([cos, sin * -h / w, tx, sin * w / h, cos, ty], 1))
    # Rotation in pixel space, expressed in grid coordinates (width and height differ).
    ys, xs = _grid_axes(h, w, img.device)
    # affine_grid's batched matmul is slower than this broadcast (measured: 0.5 of 2 ms). Each
    # coordinate is a per-column term plus a per-row term, so only the last add is full size,
    # written straight into the grid.
    grid = img.new_empty(n, h, w, 2)
    torch.add(torch.addcmul(tx[:, None, None], cos[:, None, None], xs),
              (sin * -h / w)[:, None, None] * ys, out=grid[..., 0])
    torch.add((sin * w / h)[:, None, None] * xs,
              torch.addcmul(ty[:, None, None], cos[:, None, None], ys), out=grid[..., 1])
    return F.grid_sample(img, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def _grid_axes(h, w, device):
    """Pixel centres in grid_sample's [-1, 1] coordinates (align_corners=False)."""
    ys = ((torch.arange(h, device=device) + 0.5) / h * 2 - 1)[:, None]
    xs = (torch.arange(w, device=device) + 0.5) / w * 2 - 1
    return ys, xs


def objective_of(target: NamedLayer, z: torch.Tensor, targets: torch.Tensor, objective: str) -> torch.Tensor:
    """Each sample's own unit of ``target``, computed from the target's input ``z``.

    Only one channel per sample is wanted, so the full target op is never run: a conv
    channel's mean over positions is its kernel dotted with the mean of each kernel tap's
    window (an avg-pool of the padded input), and its centre unit is one patch dotted with
    the kernel.
    """
    op = target.op
    if target.kind == "dense":
        lin = op[-1] if isinstance(op, torch.nn.Sequential) else op
        z = z.flatten(1)
        return (z * lin.weight[targets]).sum(1) + lin.bias[targets]
    conv: torch.nn.Conv2d = op
    if objective == "channel" and z.shape[1] == 1:
        # On the input itself a channel's mean is linear in the image, so it only sees the
        # image's brightness (every map comes out flat). Rectifying first (leaky, so a filter
        # that starts switched off still gets a gradient) rewards the patterns it detects.
        n = len(targets)
        y = F.conv2d(z.reshape(1, n, *z.shape[2:]), conv.weight[targets], conv.bias[targets],
                     stride=conv.stride, padding=conv.padding, dilation=conv.dilation, groups=n)
        return F.leaky_relu(y[0], FIRST_LAYER_LEAK).mean(dim=(1, 2))
    if conv.stride != (1, 1) or conv.dilation != (1, 1) or conv.groups != 1 or isinstance(conv.padding, str):
        y = conv(z)     # unusual conv: take the plain route
        sel = y[torch.arange(len(targets)), targets]
        return sel.mean(dim=(1, 2)) if objective == "channel" else sel[:, sel.shape[1] // 2, sel.shape[2] // 2]
    ph, pw = conv.padding
    kh, kw = conv.kernel_size
    if ph or pw:
        z = F.pad(z, (pw, pw, ph, ph))
    ho, wo = z.shape[2] - kh + 1, z.shape[3] - kw + 1
    if objective == "channel":
        taps = F.avg_pool2d(z, (ho, wo), stride=1)             # (n, cin, kh, kw)
    else:
        cy, cx = ho // 2, wo // 2
        taps = z[:, :, cy:cy + kh, cx:cx + kw]
    return (taps * conv.weight[targets]).sum(dim=(1, 2, 3)) + conv.bias[targets]


class Adam:
    """torch.optim.Adam's update for one tensor, the same arithmetic (identical maps).

    Why not torch.optim.Adam: constructing any torch optimizer imports torch._dynamo, 1.3 s of
    CPU at process start on the 2-core EPYC (`faceviz maps` measured with cProfile), which is
    a tenth of a two-layer render; and its per-step bookkeeping is Python we do not need.
    """

    def __init__(self, param: torch.Tensor, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.param, self.lr, self.betas, self.eps = param, lr, betas, eps
        self.exp_avg = torch.zeros_like(param)
        self.exp_avg_sq = torch.zeros_like(param)
        self.t = 0

    @torch.no_grad()
    def step(self) -> None:
        grad, (b1, b2) = self.param.grad, self.betas
        self.t += 1
        self.exp_avg.lerp_(grad, 1 - b1)
        self.exp_avg_sq.mul_(b2).addcmul_(grad, grad, value=1 - b2)
        step_size = self.lr / (1 - b1 ** self.t)
        denom = (self.exp_avg_sq.sqrt() / math.sqrt(1 - b2 ** self.t)).add_(self.eps)
        self.param.addcdiv_(self.exp_avg, denom, value=-step_size)

