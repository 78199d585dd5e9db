"""Where the new images differ from the training images: pixel statistics, and per layer how
far their activations move and which units fire on one set only.

A layer's shift is the distance between the two sets' mean activations in units of the
training images' own spread (the root mean squared distance of a training image from their
mean). The run's test split (unseen CMU images) gives the same number for images that *do*
look like CMU faces, so a shift is read against it: the layer where the folder's shift first
dwarfs the test split's is where new faces stop looking like CMU faces.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from faceviz_gui.core.data.faceset import normalize
from faceviz_gui.core.diagnose.perturb import face_masks

POOL = 6            # conv maps are averaged to at most POOL x POOL cells: position still counts
KINDS = ("conv2d", "max_pooling2d", "dense")
FIRES = 0.1         # a unit "fires on a set" when active on at least this share of its images
NEVER = 0.01        # ... and "never" on one where it is active on at most this share
STRONG = 0.25       # active: above this fraction of the unit's 95th-percentile training peak


def pixel_stats(images: np.ndarray, boxes: np.ndarray) -> dict[str, float]:
    """Median brightness, contrast (pixel std), background brightness (outside the face) and
    sharpness (mean absolute Laplacian), with 5th and 95th percentiles over images."""
    bg = 1 - face_masks(boxes, images.shape[1:])
    per = {"brightness": images.mean(axis=(1, 2)),
           "contrast": images.std(axis=(1, 2)),
           "background": (images * bg).sum(axis=(1, 2)) / np.maximum(bg.sum(axis=(1, 2)), 1),
           "sharpness": np.array([np.abs(cv2.Laplacian(im, cv2.CV_32F)).mean() for im in images])}
    out = {}
    for k, v in per.items():
        out[k] = round(float(np.median(v)), 4)
        out[f"{k}_p5"], out[f"{k}_p95"] = (round(float(x), 4) for x in np.percentile(v, [5, 95]))
    return out


@torch.no_grad()
def layer_features(model, images: np.ndarray, batch: int = 16) -> dict[str, np.ndarray]:
    """Per layer (conv, pooling, dense; the decision layer as probabilities): (N, D) features,
    conv maps average-pooled to at most POOL x POOL, and (N, units) peak activity per unit."""
    feats: dict[str, list] = {}
    for s in range(0, len(images), batch):
        x = normalize(torch.from_numpy(np.ascontiguousarray(images[s:s + batch]))).unsqueeze(1)
        acts = model.activations(x.float())
        for name, a in acts.items():
            kind = model.layer(name).kind
            if kind not in KINDS:
                continue
            if a.dim() == 4:
                pooled = F.adaptive_avg_pool2d(a, (min(POOL, a.shape[2]), min(POOL, a.shape[3])))
                peak = a.amax(dim=(2, 3))
                a = pooled.flatten(1)
            else:
                peak = a
            feats.setdefault(name, []).append(a.numpy())
            feats.setdefault(name + ":peak", []).append(peak.numpy())
    return {k: np.concatenate(v) for k, v in feats.items()}


@dataclass
class LayerShift:
    layer: str
    shift: float               # folder vs training, in training spreads
    reference: float           # test split vs training (nan when no test split)
    only_train: list[int]      # units firing on the training images and never on the folder
    only_new: list[int]        # units firing on the folder images and never on training

    @property
    def ratio(self) -> float:
        ref = self.reference if np.isfinite(self.reference) else 0.0
        return self.shift / max(ref, 0.05)

    def to_json(self) -> dict:
        return {"layer": self.layer, "shift": round(self.shift, 4),
                "reference": None if not np.isfinite(self.reference) else round(self.reference, 4),
                "ratio": round(self.ratio, 3), "units_only_train": self.only_train,
                "units_only_new": self.only_new}


def _shift(train: np.ndarray, other: np.ndarray) -> float:
    mu = train.mean(axis=0)
    spread = float(np.sqrt(((train - mu) ** 2).sum(axis=1).mean()))
    return float(np.linalg.norm(other.mean(axis=0) - mu) / max(spread, 1e-8))


def layer_shifts(model, train_feats: dict, folder_feats: dict, test_feats: dict | None
                 ) -> list[LayerShift]:
    out = []
    for name in model.layer_names:
        if name not in train_feats:
            continue
        t, f = train_feats[name], folder_feats[name]
        ref = _shift(t, test_feats[name]) if test_feats else float("nan")
        # A ReLU map's peak is above zero on nearly every image, so "fires" means reaching a
        # quarter of the unit's usual strong response on training images (95th percentile).
        pt, pf = train_feats[name + ":peak"], folder_feats[name + ":peak"]
        thr = np.maximum(STRONG * np.percentile(pt, 95, axis=0), 1e-6)
        on_t, on_f = (pt > thr).mean(axis=0), (pf > thr).mean(axis=0)
        only_t = np.flatnonzero((on_t >= FIRES) & (on_f <= NEVER)).tolist()
        only_f = np.flatnonzero((on_f >= FIRES) & (on_t <= NEVER)).tolist()
        if name == model.decision_layer:   # logits: every unit is "active"; not meaningful
            only_t, only_f = [], []
        out.append(LayerShift(name, _shift(t, f), ref, only_t, only_f))
    return out


def breaking_layer(shifts: list[LayerShift]) -> LayerShift | None:
    """The first layer whose shift is at least twice the test split's and at least half the
    largest such ratio: where the new faces stop looking like CMU faces."""
    if not shifts:
        return None
    top = max(s.ratio for s in shifts)
    for s in shifts:
        if s.ratio >= 2 and s.ratio >= 0.5 * top:
            return s
    return None
