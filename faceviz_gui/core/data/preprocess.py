"""Per-image preprocessing a spec may ask for ([preprocess] in the TOML), as a torch module.

The networks take ``faceset.normalize``-d grey images. A run whose spec says
``normalize = "image"`` starts with a ``preprocess_1`` layer that brings each image to zero
mean and unit spread, so a bright studio photo and a dim CMU shot reach the first conv layer
alike. Being the network's first layer is what makes it apply identically everywhere the
network runs: training, `faceviz eval`, photo folders, the live pipeline, Grad-CAM and
HappyMaps. Standardising is invariant to the fixed global normalisation before it, and
differentiable, so HappyMaps still optimise through it.
"""
from __future__ import annotations

import torch
from torch import nn

EPS = 0.05  # in normalised units: a flat image is not blown up into noise


class ImageStandardize(nn.Module):
    """Each image (N, C, H, W) minus its own mean, over its own standard deviation."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        std = x.std(dim=(1, 2, 3), keepdim=True, unbiased=False)
        return (x - mean) / (std + EPS)


class FaceStandardize(nn.Module):
    """Each image minus the mean of its face region, over that region's spread.

    The region is where CMU framing (and the live finder's crop, faces.FRAMING) puts the
    face: a bright wall or a dark office around it then no longer decides how the face
    itself is scaled, as it does when the whole image's statistics are used.
    """

    # (x0, y0, x1, y1) as fractions of the input: the face box of faces.FRAMING, all kinds
    REGION = (0.30, 0.30, 0.70, 0.72)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # plain ints: under tracing (export-model) shapes are tensors, which round() refuses;
        # the input size is fixed per network, so constants are right
        h, w = (int(v) for v in x.shape[-2:])
        x0, y0, x1, y1 = self.REGION
        face = x[..., int(y0 * h):int(round(y1 * h)), int(x0 * w):int(round(x1 * w))]
        mean = face.mean(dim=(1, 2, 3), keepdim=True)
        std = face.std(dim=(1, 2, 3), keepdim=True, unbiased=False)
        return (x - mean) / (std + EPS)


def preprocess_module(normalize: str) -> nn.Module | None:
    """The module for a spec's ``preprocess.normalize``; None for "none" (no layer at all,
    so older runs build, load and render exactly as before)."""
    if normalize == "none":
        return None
    if normalize == "image":
        return ImageStandardize()
    if normalize == "face":
        return FaceStandardize()
    raise ValueError(f"unknown preprocess.normalize {normalize!r}")

