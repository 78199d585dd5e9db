"""Small colour lookup tables (256 x 3 uint8) so nothing needs matplotlib.

Anchors are sampled from matplotlib's perceptual maps (inferno, viridis) at tenths and
interpolated linearly, which is indistinguishable at the sizes FaceViz draws. Jet is the
classic piecewise-linear formula: garish, but what attention overlays are usually shown in.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

_ANCHORS = {
    "inferno": [(0, 0, 4), (22, 11, 57), (66, 10, 104), (106, 23, 110), (147, 38, 103),
                (188, 55, 84), (221, 81, 58), (243, 120, 25), (252, 165, 10),
                (246, 215, 70), (252, 255, 164)],
    "viridis": [(68, 1, 84), (72, 36, 117), (65, 68, 135), (53, 95, 141), (42, 120, 142),
                (33, 145, 140), (34, 168, 132), (68, 191, 112), (122, 209, 81),
                (189, 223, 38), (253, 231, 37)],
    "grey": [(0, 0, 0), (255, 255, 255)],
}
COLORMAPS = ("jet", "inferno", "viridis", "grey")


@lru_cache(maxsize=None)
def lut(name: str) -> np.ndarray:
    """The (256, 3) uint8 table of colormap ``name``."""
    t = np.linspace(0.0, 1.0, 256)
    if name == "jet":
        rgb = np.stack([np.clip(1.5 - np.abs(4 * t - s), 0, 1) for s in (3, 2, 1)], axis=1)
        table = np.round(rgb * 255)
    elif name in _ANCHORS:
        anchors = np.asarray(_ANCHORS[name], dtype=np.float64)
        xs = np.linspace(0.0, 1.0, len(anchors))
        table = np.stack([np.interp(t, xs, anchors[:, c]) for c in range(3)], axis=1)
    else:
        raise ValueError(f"unknown colormap {name!r} (known: {', '.join(COLORMAPS)})")
    table = np.round(table).astype(np.uint8)
    table.setflags(write=False)
    return table


def apply(values: np.ndarray, name: str = "inferno") -> np.ndarray:
    """Values in [0, 1] (any shape) -> uint8 RGB (shape + (3,)); NaN shows as the low end."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)
    idx = np.clip(np.round(v * 255), 0, 255).astype(np.intp)
    return lut(name)[idx]
