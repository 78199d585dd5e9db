"""Per-map statistics and the dead-filter verdict (the blog's "static" and "all on" maps)."""
from __future__ import annotations

import numpy as np

from faceviz_gui.core.maps.fourier import high_frequency_share

FLAT_STD = 0.02          # a map whose pixels barely vary is "static" whatever the net does
SATURATED_SHARE = 0.5    # more than half the pixels pinned at black or white: "all on"
RESPONSE_EPS = 1e-6


def saturation(image: np.ndarray) -> float:
    """Fraction of pixels within 2% of 0 or 1."""
    return float(np.mean((image <= 0.02) | (image >= 0.98)))


def dead_reason(image: np.ndarray, start: float, end: float, relu: bool) -> str:
    """Why a filter's map is useless ("" when it is fine).

    ``start``/``end`` are the objective on the first and last image: a unit that did not move
    at all had no gradient, and a ReLU unit whose best pre-activation is still <= 0 never fires
    on any input the optimiser could find.
    """
    if abs(end - start) <= RESPONSE_EPS * (1.0 + abs(start)):
        return "never responds (no gradient)"
    if relu and end <= 0.0:
        return "never responds (never fires)"
    if float(np.std(image)) < FLAT_STD:
        return "flat map"
    if saturation(image) > SATURATED_SHARE:
        return "saturated map"
    return ""


def map_stats(image: np.ndarray) -> dict[str, float]:
    return {"saturation": saturation(image), "hf_energy": high_frequency_share(image)}
