"""Sensitivity: accuracy and the true class's mean probability as each factor is varied.

Swept over the folder's images and, as a reference, over a sample of the run's training
images, so a finding can say both "the network breaks when brightness rises by 0.2" (on its
own data) and "raising these photos towards the training brightness mends them". Each
factor also gets the range the training data covered (its natural spread, widened by the
spec's augmentation) and the gap: where the folder sits on that axis, when it is measurable.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from faceviz_gui.core.diagnose import perturb
from faceviz_gui.core.diagnose.inputs import ImageSet
from faceviz_gui.core.training.evaluation import predict

# Small batches keep a conv layer's output in the CPU's cache: experiment0 at 64x60 took
# 1.3 ms of CPU per image at batch 16 against 2.5 ms at 256 (1 thread, AMD EPYC; max-pool and
# ReLU over a 117 MB batch of activations cost as much as the convolutions).
BATCH = 16


@dataclass
class Curve:
    """One factor swept over one image set."""
    factor: str
    values: list[float]
    accuracy: list[float]
    p_true: list[float]
    balanced: list[float]        # mean of per-class recall: honest when one class dominates
    per_image: np.ndarray        # (N, V) probability of the true class per image and value
    correct: np.ndarray          # (N, V) bool

    def at(self, value: float, what: str = "accuracy") -> float:
        """Linear interpolation of the curve at ``value`` (clamped to the swept range)."""
        return float(np.interp(value, self.values, getattr(self, what)))


def _balanced(correct: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([correct[truth == c].mean() for c in np.unique(truth)]))


def sweep(model, images: ImageSet, reporter=None, done=0, total=1, names=perturb.FACTOR_NAMES,
          what: str = "folder", match_to=(0.5, 0.25)) -> dict[str, Curve]:
    """Every factor of ``names`` over ``images``; reports progress as step ``done`` of
    ``total``; returns what it has when asked to stop."""
    curves: dict[str, Curve] = {}
    base_probs = predict(model, images.images, BATCH)
    n = len(images)
    rows = np.arange(n)
    for k, name in enumerate(names):
        if reporter is not None:
            if reporter.should_stop():
                break
            reporter.report(kind="progress", done=done + k, total=total,
                            message=f"sensitivity of the {what} images to {name}")
        f = perturb.factor(name)
        per_image, correct = np.empty((n, len(f.values)), np.float32), np.empty((n, len(f.values)), bool)
        balanced = []
        for j, v in enumerate(f.values):
            if v == f.identity:
                probs = base_probs
            else:
                probs = predict(model, perturb.apply(name, v, images.images, images.face_boxes,
                                                     images.frames, images.rects, match_to), BATCH)
            truth = images.flipped if (name == "mirror" and v) else images.labels
            per_image[:, j] = probs[rows, truth]
            correct[:, j] = probs.argmax(axis=1) == truth
            balanced.append(round(_balanced(correct[:, j], truth), 4))
        curves[name] = Curve(name, [float(v) for v in f.values],
                             correct.mean(axis=0).round(4).tolist(),
                             per_image.mean(axis=0).round(4).tolist(), balanced, per_image, correct)
    return curves


def covered_ranges(spec, train_stats: dict, folder_stats: dict) -> dict[str, tuple[float, float]]:
    """Per factor, the interval of its axis (as applied to the folder's images) that the
    training data covered: geometry from the spec's augmentation around the CMU framing the
    crops copy; photometry from the training images' spread (5th to 95th percentile) moved to
    the folder's axis and widened by the augmentation."""
    a = spec.augment
    ts, fs = train_stats, folder_stats
    out = {"shift_x": (-a.shift, a.shift), "shift_y": (-a.shift, a.shift),
           "scale": (1 - a.scale, 1 + a.scale), "rotation": (-a.rotate, a.rotate),
           "framing": (1 / (1 + a.scale), 1 / (1 - a.scale) if a.scale < 1 else 1.0),
           "mirror": (0.0, 1.0 if a.flip else 0.0), "match": (1.0, 1.0)}
    b_lo, b_hi = ts["brightness_p5"] - a.brightness, ts["brightness_p95"] + a.brightness
    out["brightness"] = (b_lo - fs["brightness"], b_hi - fs["brightness"])
    c_lo, c_hi = ts["contrast_p5"] * (1 - a.contrast), ts["contrast_p95"] * (1 + a.contrast)
    out["contrast"] = (c_lo / max(fs["contrast"], 1e-6), c_hi / max(fs["contrast"], 1e-6))
    out["background"] = (ts["background_p5"] - a.brightness - fs["background"],
                         ts["background_p95"] + a.brightness - fs["background"])
    out["blur"] = _blur_range(ts, fs)
    return {k: (round(float(lo), 4), round(float(hi), 4)) for k, (lo, hi) in out.items()}


def _blur_range(ts: dict, fs: dict) -> tuple[float, float]:
    """Blur that brings the folder's sharpness into the training images' range; sharpness
    (mean absolute Laplacian) roughly halves per sigma of 1 at these sizes."""
    def sigma_for(target):
        ratio = fs["sharpness"] / max(target, 1e-6)
        return max(0.0, float(np.log2(ratio))) if ratio > 1 else 0.0
    return sigma_for(ts["sharpness_p95"]), sigma_for(ts["sharpness_p5"])


def gaps(train_stats: dict, folder_stats: dict) -> dict[str, float]:
    """Where the folder sits on each measurable factor's axis relative to the training images
    (brightness +0.23: the photos are that much brighter)."""
    ts, fs = train_stats, folder_stats
    return {"brightness": round(fs["brightness"] - ts["brightness"], 4),
            "contrast": round(fs["contrast"] / max(ts["contrast"], 1e-6), 4),
            "background": round(fs["background"] - ts["background"], 4),
            "blur": round(-float(np.log2(max(fs["sharpness"], 1e-6) / max(ts["sharpness"], 1e-6))), 4)}


def train_axis(name: str, values, gap: float | None) -> list[float]:
    """The training images' sweep values placed on the folder's axis: a training image
    brightened by v is as bright as a folder image brightened by v - gap."""
    if gap is None:
        return list(values)
    if name == "contrast":
        return [v / max(gap, 1e-6) for v in values]
    if name == "blur":
        return list(values)         # blur adds up in quadrature, not linearly: keep its axis
    return [v - gap for v in values]
