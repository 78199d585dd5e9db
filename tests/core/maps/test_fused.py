"""The fused C kernels (maps/fused_kernels.c) against torch's own layers, and their build."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from faceviz_gui.core.maps import fused, happymaps, mapops, native_build
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.specs import find_spec

pytestmark = pytest.mark.skipif(not fused.available(), reason=f"fused kernels: {native_build.status()}")


def _grads(fn, x, g):
    x = x.detach().clone().requires_grad_(True)
    y = fn(x)
    y.backward(g)
    return y.detach(), x.grad


@pytest.mark.parametrize("channels", [72, 32, 24, 12, 5])    # 16-wide, 8-wide, scalar; over 64
@pytest.mark.parametrize("kernel,padding", [(3, 0), (3, 1), (5, 0), (5, 2)])
@pytest.mark.parametrize("relu", [True, False])
def test_grey_conv_pool_matches_torch(channels, kernel, padding, relu):
    torch.manual_seed(channels + kernel)
    conv = torch.nn.Conv2d(1, channels, kernel, padding=padding).requires_grad_(False)
    conv = conv.to(memory_format=torch.channels_last)
    pool = torch.nn.MaxPool2d(2)
    act = torch.nn.ReLU() if relu else torch.nn.Identity()
    x = torch.rand(3, 1, 31, 36)                           # odd height: pooling drops a row
    assert fused.fusable(conv, pool, act, x)
    ref_y = act(pool(conv(x)))
    g = torch.randn_like(ref_y)
    ref_y, ref_g = _grads(lambda t: act(pool(conv(t))), x, g)
    y, gx = _grads(lambda t: fused.grey_conv_pool(t, conv, relu), x, g)
    assert y.shape == ref_y.shape and y.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(y, ref_y, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(gx, ref_g, atol=1e-5, rtol=1e-5)
    assert gx.abs().sum() > 0


@pytest.mark.parametrize("shape", [(4, 32, 27, 29), (2, 64, 11, 12), (3, 5, 7, 8), (2, 12, 6, 7)])
@pytest.mark.parametrize("relu", [True, False])
def test_pool_relu_matches_torch_exactly(shape, relu):
    torch.manual_seed(sum(shape))
    x = torch.randn(*shape).contiguous(memory_format=torch.channels_last)
    pool = torch.nn.MaxPool2d(2)
    act = torch.nn.ReLU() if relu else torch.nn.Identity()
    assert fused.poolable(pool, act, x)
    g = torch.randn(shape[0], shape[1], shape[2] // 2, shape[3] // 2)
    ref_y, ref_g = _grads(lambda t: act(pool(t)), x, g)
    y, gx = _grads(lambda t: fused.pool_relu(t, relu), x, g)
    assert torch.equal(y, ref_y) and torch.equal(gx, ref_g)  # no arithmetic: bit for bit


def test_shapes_the_kernels_do_not_take_go_to_torch():
    x = torch.rand(2, 1, 20, 20)
    conv = torch.nn.Conv2d(1, 8, 3).requires_grad_(False)
    act = torch.nn.ReLU()
    assert not fused.fusable(conv, torch.nn.MaxPool2d(3), act, x)
    assert not fused.fusable(conv, torch.nn.MaxPool2d(2), torch.nn.Tanh(), x)
    assert not fused.fusable(torch.nn.Conv2d(1, 8, 3, stride=2).requires_grad_(False),
                             torch.nn.MaxPool2d(2), act, x)
    assert not fused.fusable(torch.nn.Conv2d(1, 8, 3), torch.nn.MaxPool2d(2), act, x)  # trainable
    assert not fused.poolable(torch.nn.MaxPool2d(2, ceil_mode=True), act, torch.rand(2, 4, 6, 6))


def test_maps_with_and_without_the_kernels_agree(monkeypatch):
    """Same recipe, same seeds, only the rounding differs. Adam turns a rounding-sized
    gradient into a full step, so on an untrained net a map can drift (measured: 4 of 6
    equal to 1e-7, the others correlated 0.86-0.99); the activations reached must agree."""
    model = build_model(find_spec("experiment0"), seed=0)
    filters = [0, 5, 9, 12, 20, 31]
    fast = happymaps.render_layer(model, "conv2d_2", filters=filters, steps=12, cache=False)
    monkeypatch.setattr(fused, "available", lambda: False)
    plain = happymaps.render_layer(model, "conv2d_2", filters=filters, steps=12, cache=False)
    corr = [np.corrcoef(a.image.ravel(), b.image.ravel())[0, 1] for a, b in zip(fast.maps, plain.maps)]
    assert np.median(corr) > 0.99 and min(corr) > 0.7
    mean_fast = np.mean([m.activation for m in fast.maps])
    mean_plain = np.mean([m.activation for m in plain.maps])
    assert mean_fast == pytest.approx(mean_plain, rel=0.05)


def test_forward_below_uses_the_kernels_and_keeps_the_maths():
    model = build_model(find_spec("experiment0"), seed=1).eval().requires_grad_(False)
    model = model.to(memory_format=torch.channels_last)
    below = mapops.layers_below(model, model.layer("conv2d_3"))
    x = torch.rand(4, 1, *model.input_size)
    with torch.no_grad():
        assert torch.allclose(mapops.forward_below(below, x), model.forward_to(x, "max_pooling2d_2"),
                              atol=1e-5)
    # the first layer runs fused: its output's gradient comes back through _GreyConvPool
    y = mapops.forward_below(below, x.requires_grad_(True))
    assert _reaches(y.grad_fn, "GreyConvPool") and _reaches(y.grad_fn, "PoolRelu")


def _reaches(fn, name, depth=0) -> bool:
    if fn is None or depth > 20:
        return False
    if name in type(fn).__name__:
        return True
    return any(_reaches(f, name, depth + 1) for f, _ in fn.next_functions)


def test_a_missing_compiler_leaves_maps_on_torch(monkeypatch, tmp_path):
    monkeypatch.setenv(native_build.ENV_DIR, str(tmp_path))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    monkeypatch.setattr(native_build.shutil, "which", lambda name: None)
    native_build.load.cache_clear()
    try:
        assert native_build.load() is None
        assert native_build.status().startswith("not built: no C compiler")
    finally:
        native_build.load.cache_clear()


def test_a_failing_build_says_why(monkeypatch, tmp_path):
    bad = tmp_path / "bad.c"
    bad.write_text("this is not C;\n")
    monkeypatch.setenv(native_build.ENV_DIR, str(tmp_path / "builds"))
    monkeypatch.setattr(native_build, "SOURCE", bad)
    native_build.load.cache_clear()
    try:
        assert native_build.load() is None
        assert native_build.status().startswith("not built:")
        assert not list((tmp_path / "builds").glob("*.so"))  # no half-written library left
    finally:
        native_build.load.cache_clear()


def test_switched_off_and_rebuilt_from_scratch(monkeypatch, tmp_path):
    monkeypatch.setenv(native_build.ENV_SWITCH, "0")
    native_build.load.cache_clear()
    try:
        assert native_build.load() is None and native_build.status().startswith("off")
        monkeypatch.delenv(native_build.ENV_SWITCH)
        monkeypatch.setenv(native_build.ENV_DIR, str(tmp_path))
        native_build.load.cache_clear()
        assert native_build.load() is not None and native_build.status() == "on"
        built = list((tmp_path / "native").glob("fused_kernels-*.so"))
        assert len(built) == 1 and built[0] == native_build.library_path(native_build.compiler())
    finally:
        native_build.load.cache_clear()


@pytest.mark.parametrize("spread", [1.0, 6.0])    # 6: shifts past the border reflect twice or more
def test_jitter_matches_grid_sample(monkeypatch, spread):
    torch.manual_seed(int(spread))
    img = torch.rand(6, 1, 30, 32)
    r = torch.rand(6, 4)
    monkeypatch.setattr(mapops, "SHIFT", mapops.SHIFT * spread)
    g = torch.randn(6, 1, 30, 32)
    y, gx = _grads(lambda t: mapops.jitter(t, r), img, g)
    with monkeypatch.context() as m:
        m.setattr(fused, "available", lambda: False)
        ref_y, ref_g = _grads(lambda t: mapops.jitter(t, r), img, g)
    torch.testing.assert_close(y, ref_y, atol=5e-5, rtol=1e-4)
    torch.testing.assert_close(gx, ref_g, atol=2e-4, rtol=1e-4)


def test_a_batch_split_across_threads_gives_the_same_bits():
    """With torch's thread count above 1 the batch is cut into slices run at once (ctypes
    lets go of the GIL); every image is computed alone, so the cut changes nothing."""
    torch.manual_seed(3)
    conv = torch.nn.Conv2d(1, 16, 3).requires_grad_(False)
    x = torch.rand(7, 1, 30, 32)
    g = torch.randn(7, 16, 14, 15)
    r = torch.rand(7, 4)
    before = torch.get_num_threads()
    try:
        out = {}
        for threads in (1, 3):
            torch.set_num_threads(threads)
            y, gx = _grads(lambda t: fused.grey_conv_pool(mapops.jitter(t, r), conv, True), x, g)
            out[threads] = (y, gx)
    finally:
        torch.set_num_threads(before)
    assert torch.equal(out[1][0], out[3][0]) and torch.equal(out[1][1], out[3][1])
