"""Lighting and backdrop augmentation for CMU-framed training batches (augment.py uses it).

Every CMU shot was taken in the same dim office, so a network can learn the office: a face
photographed against a bright plain wall then looks like nothing it saw. The head's place in
a CMU-framed image is known (faces.FRAMING: the face box is centred at about (0.49, 0.50) of
the frame and 0.40 of its width; hair and shoulders around it), so a soft mask of head and
shoulders keeps the person and a random backdrop replaces the rest: a flat wall of any
brightness, a gradient, or blotchy clutter. Gamma curves stand in for other lighting.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from faceviz_gui.core.data.faceset import PIXEL_MEAN, PIXEL_STD

# Head ellipse (centre x, centre y, half width, half height) and shoulder band, as fractions
# of the CMU frame: drawn over CMU shots of all four poses to hold hair and face. A looser
# ellipse (0.30 x 0.40) kept a ring of the dim office around every head, and held-out
# studio faces, ringed by a bright wall, scored lower (bench/unseen_faces.py, README Part 5).
HEAD = (0.49, 0.44, 0.24, 0.34)
SHOULDERS_TOP = 0.84
SHOULDERS_HALF_WIDTH = 0.38


def head_mask(h: int, w: int, device=None) -> torch.Tensor:
    """(1, 1, h, w) float in [0, 1]: 1 on the head and shoulders, 0 on the backdrop."""
    yy = (torch.arange(h, device=device, dtype=torch.float32) + 0.5) / h
    xx = (torch.arange(w, device=device, dtype=torch.float32) + 0.5) / w
    y, x = torch.meshgrid(yy, xx, indexing="ij")
    cx, cy, ax, ay = HEAD
    head = (((x - cx) / ax) ** 2 + ((y - cy) / ay) ** 2) <= 1
    body = (y >= SHOULDERS_TOP) & ((x - 0.5).abs() <= SHOULDERS_HALF_WIDTH)
    mask = (head | body).float()[None, None]
    k = max(3, (min(h, w) // 12) | 1)  # soft edge, ~1/12 of the frame
    return F.avg_pool2d(mask, k, stride=1, padding=k // 2, count_include_pad=False)


def _uniform(n: int, lo: float, hi: float, gen: torch.Generator, device) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=gen, device=device)


def random_backdrops(n: int, h: int, w: int, gen: torch.Generator, device) -> torch.Tensor:
    """(n, 1, h, w) pixels in [0, 1]: a level, a tilt and smooth blotches per image."""
    level = _uniform(n, 0.05, 0.95, gen, device).view(n, 1, 1, 1)
    yy = torch.linspace(-0.5, 0.5, h, device=device).view(1, 1, h, 1)
    xx = torch.linspace(-0.5, 0.5, w, device=device).view(1, 1, 1, w)
    tilt = (_uniform(n, -0.4, 0.4, gen, device).view(n, 1, 1, 1) * xx
            + _uniform(n, -0.4, 0.4, gen, device).view(n, 1, 1, 1) * yy)
    coarse = torch.rand(n, 1, 4, 4, generator=gen, device=device) - 0.5
    blotch = F.interpolate(coarse, size=(h, w), mode="bicubic", align_corners=False)
    blotch = blotch * _uniform(n, 0.0, 0.6, gen, device).view(n, 1, 1, 1)
    return (level + tilt + blotch).clamp(0, 1)


def replace_background(x: torch.Tensor, chance: float, gen: torch.Generator) -> torch.Tensor:
    """A normalised batch with the backdrop outside head and shoulders replaced in ``chance``
    of the images."""
    n, _, h, w = x.shape
    dev = x.device
    pick = (torch.rand(n, generator=gen, device=dev) < chance).view(n, 1, 1, 1)
    back = (random_backdrops(n, h, w, gen, dev) - PIXEL_MEAN) / PIXEL_STD
    mask = head_mask(h, w, dev)
    mixed = x * mask + back.to(x.dtype) * (1 - mask)
    return torch.where(pick, mixed, x)


def random_gamma(x: torch.Tensor, spread: float, gen: torch.Generator) -> torch.Tensor:
    """A normalised batch through pixel ** 2**U(-spread, spread), one curve per image."""
    n = x.shape[0]
    g = torch.exp2((torch.rand(n, generator=gen, device=x.device) * 2 - 1) * spread)
    p = (x * PIXEL_STD + PIXEL_MEAN).clamp(1e-4, 1)
    return (p ** g.view(n, 1, 1, 1).to(x.dtype) - PIXEL_MEAN) / PIXEL_STD
