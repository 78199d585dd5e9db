"""Training-time augmentation on a batch tensor, on the training device.

Geometry (shift, scale, rotation and the horizontal flip) is one affine_grid + grid_sample per
batch; brightness and contrast act on the [0, 1] pixel scale even though the batch is already
normalised, so a spec's numbers mean the same as in the data. Every draw comes from a
generator the caller seeds per batch, so a run (and a resumed run) is reproducible.

The flip is the only augmentation that changes labels: "left" is the subject's left, so a
mirrored left-facing face faces right. For the two-way task that turns a left face into
not-left and a right face into left, which the label tensor cannot tell (both right and
straight are "not left"); the caller therefore passes ``flipped`` labels computed from the
records (see ``flipped_labels``).
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from faceviz_gui.core.data.faceset import PIXEL_STD, FaceSet
from faceviz_gui.core.training.backgrounds import random_gamma, replace_background
from faceviz_gui.core.training.specs import TASK_CLASSES, AugmentSpec


def flipped_labels(data: FaceSet, task: str) -> np.ndarray:
    """Each image's class index after a horizontal flip."""
    if task == "left":
        return np.array([int(r.pose == "right") for r in data.records], dtype=np.int64)
    labels = data.labels(task)
    if task == "pose":
        classes = TASK_CLASSES["pose"]
        left, right = classes.index("left"), classes.index("right")
        swap = np.arange(len(classes))
        swap[left], swap[right] = right, left
        return swap[labels]
    return labels  # expression and eyes do not care about mirroring


def _uniform(n: int, spread: float, gen: torch.Generator, device) -> torch.Tensor:
    """n draws from U(-spread, spread)."""
    return (torch.rand(n, generator=gen, device=device) * 2 - 1) * spread


def augment_batch(x: torch.Tensor, y: torch.Tensor, flipped: torch.Tensor | None,
                  aug: AugmentSpec, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Augmented copies of a normalised batch ``x`` (N, 1, H, W) and its labels ``y``.

    ``flipped`` holds the labels each image would have if mirrored (needed only with
    ``aug.flip``); ``gen`` lives on x's device.
    """
    n, dev = x.shape[0], x.device
    if aug.background:  # before the geometry, so the new backdrop moves with the head
        x = replace_background(x, aug.background, gen)
    if aug.gamma:
        x = random_gamma(x, aug.gamma, gen)
    flip = None
    if aug.flip:
        flip = torch.rand(n, generator=gen, device=dev) < 0.5
        if flipped is None:
            raise ValueError("augment.flip needs the flipped labels")
        y = torch.where(flip, flipped, y)
    if aug.shift or aug.scale or aug.rotate:
        angle = _uniform(n, math.radians(aug.rotate), gen, dev)
        zoom = 1 + _uniform(n, aug.scale, gen, dev)
        # affine_grid's coordinates span [-1, 1], so a shift of f of the size is 2f.
        tx = _uniform(n, 2 * aug.shift, gen, dev)
        ty = _uniform(n, 2 * aug.shift, gen, dev)
        cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
        mirror = torch.where(flip, -1.0, 1.0) if flip is not None else torch.ones(n, device=dev)
        # theta maps output coordinates to input ones; mirroring x there flips the image.
        theta = torch.stack([torch.stack([cos * mirror, -sin, tx], 1),
                             torch.stack([sin * mirror, cos, ty], 1)], 1).to(x.dtype)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection",
                          align_corners=False)
    elif flip is not None:
        x = torch.where(flip.view(n, 1, 1, 1), x.flip(-1), x)
    if aug.spill:  # after the geometry: the frame's edge cuts the crop as the camera sees it
        x = spill_edges(x, aug.spill, gen)
    if aug.brightness or aug.contrast:
        if aug.contrast:
            mean = x.mean(dim=(1, 2, 3), keepdim=True)
            factor = 1 + _uniform(n, aug.contrast, gen, dev).view(n, 1, 1, 1).to(x.dtype)
            x = (x - mean) * factor + mean
        if aug.brightness:
            # x is normalised, (p - mean) / std: a pixel offset b is b / std here.
            x = x + (_uniform(n, aug.brightness, gen, dev) / PIXEL_STD).view(n, 1, 1, 1).to(x.dtype)
    return x, y


# How far a frame's edge can cut into a face's crop region, as a fraction of its size: the
# studio photos of pointing_dev, faces filling a 384x288 frame, left up to about a quarter of
# the CMU region outside the frame at the bottom and a fifth at a side.
SPILL_DEPTH = 0.3


def spill_edges(x: torch.Tensor, chance: float, gen: torch.Generator) -> torch.Tensor:
    """The batch with, in ``chance`` of the images, each side (at even odds) cut at up to
    SPILL_DEPTH of the size and the line at the cut repeated outward: what crop_rect shows
    when a face close to the camera needs a region larger than the frame."""
    n, _, h, w = x.shape
    dev = x.device
    chosen = (torch.rand(n, 1, generator=gen, device=dev) < chance)
    sides = torch.rand(n, 4, generator=gen, device=dev) < 0.5
    cut = torch.rand(n, 4, generator=gen, device=dev) * SPILL_DEPTH * (sides & chosen)
    first_col, last_col = (cut[:, 0] * w).long(), w - 1 - (cut[:, 1] * w).long()
    first_row, last_row = (cut[:, 2] * h).long(), h - 1 - (cut[:, 3] * h).long()
    cols = torch.arange(w, device=dev).expand(n, w)
    rows = torch.arange(h, device=dev).expand(n, h)
    cols = torch.minimum(torch.maximum(cols, first_col[:, None]), last_col[:, None])
    rows = torch.minimum(torch.maximum(rows, first_row[:, None]), last_row[:, None])
    picked = x[:, 0][torch.arange(n, device=dev)[:, None, None], rows[:, :, None], cols[:, None, :]]
    return picked.unsqueeze(1)


def batch_generator(device: torch.device) -> torch.Generator:
    return torch.Generator(device=device)


def seed_for(seed: int, epoch: int, batch: int = -1) -> int:
    """A distinct, stable seed per (run seed, epoch, batch): resuming mid-epoch redraws the same."""
    return (seed * 1_000_003 + epoch * 10_007 + batch + 1) % (2 ** 63)
