"""The maths of comparing two networks: linear CKA and one-to-one unit matching.

Linear CKA (Kornblith et al. 2019) compares two representations of the same N images, of any
widths: 1 means the same up to a rotation and an overall scale, 0 unrelated. With features
X (N, p) and Y (N, q), centred: CKA = ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F). FaceViz's
conv layers have far more features than there are probe images (115k for conv2d_1 at 64x60),
so they go through the N x N Gram form <HKH, HLH> / (||HKH|| ||HLH||), which is the same
number computed from K = X X^T.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

# A matched pair below this correlation is no real partner: the unit is unique to its network.
GOOD_MATCH = 0.5


def centered_gram(features: np.ndarray) -> np.ndarray:
    """float64 (N, N) centred Gram matrix of features (N, ...) (flattened per image)."""
    # float32 (115k-wide doubles are too big) through torch: numpy's x @ x.T measured 8x
    # slower here than torch.mm on the same (86, 26880) block.
    x = torch.as_tensor(features, dtype=torch.float32).reshape(len(features), -1)
    x = x - x.mean(dim=0, keepdim=True)
    k = (x @ x.T).double().numpy()
    # Centre again in float64 to clean up the float32 rounding of the mean.
    k -= k.mean(axis=0, keepdims=True)
    k -= k.mean(axis=1, keepdims=True)
    return k


def cka_from_grams(k: np.ndarray, l: np.ndarray) -> float:
    """Linear CKA from two centred Gram matrices; NaN when either representation is constant."""
    denom = np.linalg.norm(k) * np.linalg.norm(l)
    if denom <= 0:
        return float("nan")
    return float(np.clip(np.sum(k * l) / denom, 0.0, 1.0))


def linear_cka(x: np.ndarray, y: np.ndarray) -> float:
    """Linear CKA between features x (N, ...) and y (N, ...) of the same N images."""
    if len(x) != len(y):
        raise ValueError(f"CKA needs the same images on both sides ({len(x)} vs {len(y)})")
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    if max(x.shape[1], y.shape[1]) > len(x):
        return cka_from_grams(centered_gram(x), centered_gram(y))
    x = x - x.mean(axis=0)
    y = y - y.mean(axis=0)
    denom = np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)
    if denom <= 0:
        return float("nan")
    return float(np.clip(np.linalg.norm(y.T @ x) ** 2 / denom, 0.0, 1.0))


def unit_features(activations, grid: int = 4) -> np.ndarray:
    """What each unit does per image, small enough to keep: conv maps (N, C, H, W) averaged
    over a grid x grid split of the image -> (N, C, grid, grid); dense (N, units) as is.

    Li et al. (2015) correlate conv units over images and positions; a whole-map mean
    alone lets two random first-layer filters "match" at r ~ 0.99 because both mostly track
    brightness. A fixed 4x4 grid keeps where a unit fires, and lines up across input sizes
    and architectures because it splits the image, not the map, into cells.
    """
    a = torch.as_tensor(activations, dtype=torch.float32)
    if a.dim() == 4:
        a = torch.nn.functional.adaptive_avg_pool2d(a, grid)
    return a.double().numpy()


def pair_features(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows (observations) x units for both sides: image-and-cell rows when both are conv
    layers, else image rows (conv maps averaged over their cells)."""
    if a.ndim == 4 and b.ndim == 4:
        return (a.transpose(0, 2, 3, 1).reshape(-1, a.shape[1]),
                b.transpose(0, 2, 3, 1).reshape(-1, b.shape[1]))
    flat = lambda m: m.mean(axis=(2, 3)) if m.ndim == 4 else m.reshape(len(m), -1)
    return flat(a), flat(b)


def correlation_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of every unit of a (N, p) with every unit of b (N, q): (p, q).

    A unit that never varies over the probe (a dead ReLU) correlates 0 with everything.
    """
    def z(m):
        m = m - m.mean(axis=0)
        sd = m.std(axis=0)
        return np.divide(m, sd, out=np.zeros_like(m), where=sd > 1e-12)
    return z(a).T @ z(b) / len(a)


@dataclass
class UnitMatch:
    """One-to-one matching of the units of layer_a (run A) to those of layer_b (run B)."""
    layer_a: str
    layer_b: str
    pairs: list[tuple[int, int, float]]   # (unit in A, unit in B, correlation), by unit in A
    unmatched_a: list[int]                # live units of A with no good partner in B
    unmatched_b: list[int]
    threshold: float = GOOD_MATCH
    silent_a: list[int] = field(default_factory=list)  # never vary on the probe: not matched
    silent_b: list[int] = field(default_factory=list)

    @property
    def good_pairs(self) -> list[tuple[int, int, float]]:
        return [p for p in self.pairs if p[2] >= self.threshold]

    @property
    def mean_correlation(self) -> float:
        return float(np.mean([p[2] for p in self.pairs])) if self.pairs else float("nan")

    def partner_of(self, unit_a: int) -> tuple[int, float] | None:
        for i, j, c in self.pairs:
            if i == unit_a:
                return j, c
        return None

    def to_json(self) -> dict:
        return {"layer_a": self.layer_a, "layer_b": self.layer_b, "threshold": self.threshold,
                "mean_correlation": _num(self.mean_correlation),
                "good_pairs": len(self.good_pairs),
                "pairs": [[i, j, round(c, 4)] for i, j, c in self.pairs],
                "unmatched_a": self.unmatched_a, "unmatched_b": self.unmatched_b,
                "silent_a": self.silent_a, "silent_b": self.silent_b}


def match_units(a: np.ndarray, b: np.ndarray, layer_a: str = "", layer_b: str = "",
                threshold: float = GOOD_MATCH) -> UnitMatch:
    """Hungarian matching (Li, Yosinski et al. 2015) of unit features (see unit_features).

    Each unit gets at most one partner, maximising the summed correlation; pairs below
    ``threshold`` and the units left over when the layers differ in width are unmatched.
    Units silent over the whole probe (dead ReLUs: no variance) take no part: they are
    listed apart, so a run against itself reports no "unique" units.
    """
    a, b = pair_features(np.asarray(a), np.asarray(b))
    live_a, live_b = np.flatnonzero(a.std(axis=0) > 1e-12), np.flatnonzero(b.std(axis=0) > 1e-12)
    corr = correlation_matrix(a[:, live_a], b[:, live_b])
    rows, cols = linear_sum_assignment(corr, maximize=True)
    pairs = sorted((int(live_a[i]), int(live_b[j]), float(corr[i, j])) for i, j in zip(rows, cols))
    good_a = {i for i, _, c in pairs if c >= threshold}
    good_b = {j for _, j, c in pairs if c >= threshold}
    return UnitMatch(layer_a, layer_b, pairs,
                     [int(i) for i in live_a if i not in good_a],
                     [int(j) for j in live_b if j not in good_b], threshold,
                     sorted(set(range(a.shape[1])) - set(live_a.tolist())),
                     sorted(set(range(b.shape[1])) - set(live_b.tolist())))


def _num(v: float) -> float | None:
    return None if v != v else round(float(v), 4)  # NaN -> null in JSON
