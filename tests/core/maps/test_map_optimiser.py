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
