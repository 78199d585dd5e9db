"""The HappyMaps loop's own Adam and heap guard: same numbers as torch's, nothing leaks."""
from __future__ import annotations

import torch

from faceviz_gui.core.maps import heap
from faceviz_gui.core.maps.mapops import Adam


def test_own_adam_matches_torch_adam_step_for_step():
    g = torch.Generator().manual_seed(0)
    start = torch.randn(3, 2, 8, 5, generator=g)
    ours, theirs = start.clone().requires_grad_(True), start.clone().requires_grad_(True)
    opt_ours, opt_theirs = Adam(ours, lr=0.05), torch.optim.Adam([theirs], lr=0.05)
    for _ in range(20):
        target = torch.randn(3, 2, 8, 5, generator=g)
        for p in (ours, theirs):
            p.grad = None
            ((p - target) ** 2 * p.sin()).sum().backward()
        opt_ours.step()
        opt_theirs.step()
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6)


def test_heap_guard_nests_and_releases():
    with heap.steady():
        with heap.steady():
            assert heap._active == 2
        x = torch.ones(4_000_000)      # a block above glibc's default mmap threshold
        del x
    assert heap._active == 0


def test_cheap_first_conv_gradient_equals_autograd(tiny_spec):
    from faceviz_gui.core.maps import mapops
    from faceviz_gui.core.training.nets import build_model
    model = build_model(tiny_spec, seed=1).eval().requires_grad_(False)
    for fmt in (torch.contiguous_format, torch.channels_last):
        model = model.to(memory_format=fmt)
        target = model.layer("conv2d_3")
        x = torch.rand(6, 1, *model.input_size).contiguous(memory_format=fmt).requires_grad_(True)
        below = mapops.layers_below(model, target)
        ours = mapops.forward_below(below, x)
        theirs = model.forward_to(x, below[-1].name, pre_activation=False)
        torch.testing.assert_close(ours, theirs)
        w = torch.randn_like(theirs)
        g_ours, = torch.autograd.grad((ours * w).sum(), x)
        g_theirs, = torch.autograd.grad((theirs * w).sum(), x)
        torch.testing.assert_close(g_ours, g_theirs, atol=1e-5, rtol=1e-4)


def test_thread_count_comes_from_the_idle_cores():
    from faceviz_gui.core.cpu import idle_threads
    assert idle_threads(cpus=2, load=0.2) == 2           # the CLI keeps no core free
    assert idle_threads(cpus=2, load=1.5) == 1
    assert idle_threads(cpus=8, load=30.0) == 1
    assert idle_threads(cpus=8, load=2.0, keep_free=1) == 6
    assert idle_threads() >= 1


def test_cheap_first_conv_gradient_with_padding_equals_conv2d():
    from faceviz_gui.core.maps import mapops
    gen = torch.Generator().manual_seed(0)
    for pad in (0, 1, 2):
        weight, bias = torch.randn(8, 1, 3, 3, generator=gen), torch.randn(8, generator=gen)
        x = torch.rand(3, 1, 13, 11, generator=gen).contiguous(memory_format=torch.channels_last)
        x.requires_grad_(True)
        ours = mapops._GreyConv.apply(x, weight, bias, (pad, pad))
        theirs = torch.nn.functional.conv2d(x, weight, bias, padding=pad)
        w = torch.randn(theirs.shape, generator=gen)
        g_ours, = torch.autograd.grad((ours * w).sum(), x)
        g_theirs, = torch.autograd.grad((theirs * w).sum(), x)
        torch.testing.assert_close(g_ours, g_theirs, atol=1e-5, rtol=1e-4)
