"""Where the network looks: each image's attention split into face, hair, clothes and
background, averaged per class and for right versus wrong answers.

Regions come from the face box (where CMU framing puts the face in the input): the box is the
face; a band above it as wide as the face and a little more is hair; the region below it,
twice the face's width, is clothes (neck and shoulders); the rest is background. Rough, but
the same for every image and every run, which is what a comparison needs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from faceviz_gui.core.data.faceset import normalize

REGIONS = ("face", "hair", "clothes", "background")


def region_masks(box, size: tuple[int, int]) -> dict[str, np.ndarray]:
    """Boolean (H, W) masks of the four regions for one face box (x, y, w, h)."""
    h, w = size
    x, y, bw, bh = box
    yy, xx = np.mgrid[0:h, 0:w] + 0.5
    face = (xx >= x) & (xx < x + bw) & (yy >= y) & (yy < y + bh)
    hair = (xx >= x - 0.15 * bw) & (xx < x + 1.15 * bw) & (yy >= y - 0.6 * bh) & (yy < y) & ~face
    clothes = (xx >= x - 0.5 * bw) & (xx < x + 1.5 * bw) & (yy >= y + bh) & ~face
    background = ~(face | hair | clothes)
    return {"face": face, "hair": hair, "clothes": clothes, "background": background}


def shares(heat: np.ndarray, box) -> dict[str, float]:
    """Fraction of the heatmap's total in each region (zeros for an empty map)."""
    masks = region_masks(box, heat.shape)
    total = float(heat.sum())
    return {k: (float(heat[m].sum()) / total if total > 0 else 0.0) for k, m in masks.items()}


@dataclass
class AttentionStats:
    method: str
    heatmaps: np.ndarray               # (N, H, W) maps for the predicted class
    per_image: np.ndarray              # (N, 4) shares in REGIONS order

    def mean(self, index=None) -> dict[str, float]:
        rows = self.per_image if index is None else self.per_image[index]
        if len(rows) == 0:
            return {}
        return {k: round(float(v), 4) for k, v in zip(REGIONS, rows.mean(axis=0))}


def attend_all(model, images, boxes, method: str = "gradcam", reporter=None,
               step=None) -> AttentionStats:
    """Heatmaps of ``method`` for each image's predicted class and their region shares;
    ``step(i)`` is called per image (progress), and a stop request ends early."""
    from faceviz_gui.core.attention.methods import attribute

    heats, rows = [], []
    for i, (im, box) in enumerate(zip(images, boxes)):
        if reporter is not None and reporter.should_stop():
            break
        if step is not None:
            step(i)
        heat = attribute(model, normalize(im), method).heatmap
        heats.append(heat)
        s = shares(heat, box)
        rows.append([s[k] for k in REGIONS])
    size = images.shape[1:]
    return AttentionStats(method, np.asarray(heats, np.float32).reshape(-1, *size),
                          np.asarray(rows, np.float32).reshape(-1, len(REGIONS)))


def summary(stats: AttentionStats, labels, correct, classes, train: AttentionStats | None) -> dict:
    """The JSON block: inside_face and the other shares overall, per class, right vs wrong,
    and the training images' for comparison."""
    n = len(stats.per_image)
    labels, correct = np.asarray(labels)[:n], np.asarray(correct)[:n]
    overall = stats.mean()
    out = {"method": stats.method, "inside_face": overall.get("face", 0.0),
           **{k: overall.get(k, 0.0) for k in REGIONS if k != "face"},
           "per_class": {c: stats.mean(np.flatnonzero(labels == i))
                         for i, c in enumerate(classes) if (labels == i).any()},
           "right": stats.mean(np.flatnonzero(correct)),
           "wrong": stats.mean(np.flatnonzero(~correct))}
    if train is not None:
        out["training"] = train.mean()
    return out
