"""The factors a diagnosis varies, and how each changes a batch of [0, 1] grey images.

Geometry (shift, scale, rotation) is one affine warp per value with the edge pixels repeated,
as a camera frame would continue; photometric changes act on the [0, 1] pixel scale, as the
spec's augmentation does, so a sensitivity curve and an augmentation range share units.
Framing re-crops the photo around the found face when the photo is at hand (tight < 1 <
loose), else zooms the crop about the face. Mirroring swaps the labels
(augment.flipped_labels). "match" moves each image's brightness and contrast to the training
images': both photometric gaps undone at once.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Factor:
    name: str
    label: str           # axis title
    values: tuple        # the identity is among them
    identity: float
    unit: str = ""


FACTORS = (
    Factor("shift_x", "horizontal shift (fraction of width)", (-0.2, -0.1, 0.0, 0.1, 0.2), 0.0),
    Factor("shift_y", "vertical shift (fraction of height)", (-0.2, -0.1, 0.0, 0.1, 0.2), 0.0),
    Factor("scale", "scale (zoom factor)", (0.7, 0.85, 1.0, 1.15, 1.3), 1.0),
    Factor("rotation", "rotation (degrees)", (-30, -15, 0, 15, 30), 0.0),
    Factor("brightness", "brightness (added to [0, 1] pixels)", (-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3), 0.0),
    Factor("contrast", "contrast (factor)", (0.5, 0.75, 1.0, 1.4, 2.0), 1.0),
    Factor("blur", "blur (Gaussian sigma, input pixels)", (0.0, 1.0, 2.0, 3.0), 0.0),
    Factor("background", "background brightness (added outside the face)", (-0.3, -0.15, 0.0, 0.15, 0.3), 0.0),
    Factor("framing", "crop framing (tight < 1 < loose)", (0.6, 0.8, 1.0, 1.25, 1.6), 1.0),
    Factor("mirror", "mirrored (labels swapped)", (0, 1), 0),
    Factor("match", "matched to training brightness+contrast (0 to 1)", (0.0, 0.5, 1.0), 0.0),
)
FACTOR_NAMES = tuple(f.name for f in FACTORS)


def factor(name: str) -> Factor:
    for f in FACTORS:
        if f.name == name:
            return f
    raise KeyError(name)


def _affine(images: np.ndarray, tx=0.0, ty=0.0, zoom=1.0, degrees=0.0, centre=None) -> np.ndarray:
    """Warp: content moves by (tx, ty) fractions of the size, is magnified by ``zoom`` about
    ``centre`` (fractions; default the middle) and turned by ``degrees``."""
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).unsqueeze(1)
    n = x.shape[0]
    a = math.radians(degrees)
    cx, cy = (0.0, 0.0) if centre is None else (2 * centre[0] - 1, 2 * centre[1] - 1)
    cos, sin = math.cos(a) / zoom, math.sin(a) / zoom
    # theta maps output coordinates to input ones, in [-1, 1] units (a shift f is 2f).
    ox = cx - (cos * (cx + 2 * tx) - sin * (cy + 2 * ty))
    oy = cy - (sin * (cx + 2 * tx) + cos * (cy + 2 * ty))
    theta = torch.tensor([[cos, -sin, ox], [sin, cos, oy]], dtype=torch.float32).expand(n, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return out[:, 0].numpy()


def face_masks(boxes: np.ndarray, size: tuple[int, int], soft: float = 0.0) -> np.ndarray:
    """(N, H, W) float masks, 1 inside each face box (an ellipse filling it)."""
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    out = np.empty((len(boxes), h, w), np.float32)
    for i, (x, y, bw, bh) in enumerate(boxes):
        r = ((xx - (x + bw / 2)) / (bw / 2)) ** 2 + ((yy - (y + bh / 2)) / (bh / 2 * 1.2)) ** 2
        out[i] = (r <= 1).astype(np.float32)
        if soft:
            out[i] = cv2.GaussianBlur(out[i], (0, 0), soft)
    return out


def _framing(images, value, frames, rects, boxes) -> np.ndarray:
    from faceviz_gui.core.live.faces import crop_rect
    h, w = images.shape[1:]
    if frames and len(frames) == len(images):
        out = np.empty_like(images)
        for i, (frame, (x, y, rw, rh)) in enumerate(zip(frames, rects)):
            cx, cy = x + rw / 2, y + rh / 2
            out[i] = crop_rect(frame, (cx - rw * value / 2, cy - rh * value / 2, rw * value,
                                       rh * value), (h, w))
        return out
    # No photo: zoom the crop about the face (loose framing repeats the edges).
    out = np.empty_like(images)
    for i, (x, y, bw, bh) in enumerate(boxes):
        out[i] = _affine(images[i:i + 1], zoom=1 / value,
                         centre=((x + bw / 2) / w, (y + bh / 2) / h))[0]
    return out


def apply(name: str, value: float, images: np.ndarray, boxes: np.ndarray,
          frames=(), rects=(), match_to: tuple[float, float] = (0.5, 0.25)) -> np.ndarray:
    """``images`` (N, H, W) [0, 1] with factor ``name`` set to ``value``; ``match_to`` is the
    training images' (brightness, contrast) that "match" moves each image towards."""
    f = factor(name)
    if value == f.identity:
        return images
    if name == "shift_x":
        return _affine(images, tx=value)
    if name == "shift_y":
        return _affine(images, ty=value)
    if name == "scale":
        return _affine(images, zoom=value)
    if name == "rotation":
        return _affine(images, degrees=value)
    if name == "brightness":
        return np.clip(images + value, 0, 1)
    if name == "contrast":
        mean = images.mean(axis=(1, 2), keepdims=True)
        return np.clip((images - mean) * value + mean, 0, 1)
    if name == "blur":
        return np.stack([cv2.GaussianBlur(im, (0, 0), value) for im in images])
    if name == "background":
        outside = 1 - face_masks(boxes, images.shape[1:], soft=1.0)
        return np.clip(images + value * outside, 0, 1)
    if name == "framing":
        return _framing(images, value, list(frames), list(rects), boxes)
    if name == "mirror":
        return np.ascontiguousarray(images[:, :, ::-1])
    if name == "match":
        mean = images.mean(axis=(1, 2), keepdims=True)
        std = np.maximum(images.std(axis=(1, 2), keepdims=True), 1e-3)
        matched = (images - mean) / std * match_to[1] + match_to[0]
        return np.clip((1 - value) * images + value * matched, 0, 1)
    raise KeyError(name)
