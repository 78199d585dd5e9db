"""numpy -> QImage on the UI thread: the only image work the UI thread does, so keep it cheap.

Maps arrive as float32 (H, W) in [0, 1]. ``to_uint8`` scales them (optionally stretched to
their own 1st..99th percentile, which shows the faint structure of a low-contrast map), and
``to_qimage`` turns that into a grey or colour-mapped QImage that owns its memory (a QImage
built on a numpy buffer dies with the buffer).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtGui import QColor, QImage

COLORMAPS = ("grey", "viridis", "magma", "inferno", "coolwarm")


def stretch(image: np.ndarray, low: float = 1.0, high: float = 99.0) -> np.ndarray:
    """Contrast-stretch to [0, 1] between two percentiles; a flat image stays mid-grey."""
    img = np.asarray(image, dtype=np.float32)
    lo, hi = np.percentile(img, (low, high)) if img.size else (0.0, 0.0)
    if hi - lo < 1e-6:
        return np.full_like(img, 0.5)
    return np.clip((img - lo) / (hi - lo), 0.0, 1.0)


def to_uint8(image: np.ndarray, stretched: bool = False,
             vmin: float = 0.0, vmax: float = 1.0) -> np.ndarray:
    img = stretch(image) if stretched else (np.asarray(image, np.float32) - vmin) / max(vmax - vmin, 1e-12)
    img = np.nan_to_num(img, nan=0.5)
    return np.ascontiguousarray(np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8))


@lru_cache(maxsize=None)
def lut(name: str) -> np.ndarray:
    """A (256, 3) uint8 lookup table for one of COLORMAPS."""
    if name == "grey":
        ramp = np.arange(256, dtype=np.uint8)
        return np.stack([ramp] * 3, axis=1)
    if name == "coolwarm":  # diverging blue-white-red, for signed values such as weights
        t = np.linspace(-1.0, 1.0, 256)[:, None]
        blue, white, red = np.array([59, 76, 192]), np.array([245, 245, 245]), np.array([180, 4, 38])
        out = np.where(t < 0, white + (blue - white) * -t, white + (red - white) * t)
        return np.ascontiguousarray(out.round().astype(np.uint8))
    import pyqtgraph as pg  # only when a colour map is first asked for
    table = pg.colormap.get(name).getLookupTable(0.0, 1.0, 256, alpha=False)
    return np.ascontiguousarray(np.asarray(table, dtype=np.uint8)[:, :3])


def lut_color(name: str, value: float) -> QColor:
    r, g, b = lut(name)[int(np.clip(value, 0.0, 1.0) * 255 + 0.5)]
    return QColor(int(r), int(g), int(b))


def to_qimage(image: np.ndarray, stretched: bool = False, cmap: str = "grey",
              vmin: float = 0.0, vmax: float = 1.0) -> QImage:
    """A float (H, W) map as a QImage that owns a copy of its pixels."""
    img = np.asarray(image)
    if img.ndim != 2:
        img = img.reshape(img.shape[-2:]) if img.size else np.zeros((1, 1), np.float32)
    u8 = to_uint8(img, stretched, vmin, vmax)
    h, w = u8.shape
    if cmap == "grey":
        qimg = QImage(u8.data, w, h, w, QImage.Format.Format_Grayscale8)
    else:
        rgb = np.ascontiguousarray(lut(cmap)[u8])
        qimg = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return qimg.copy()


def signed_qimage(values: np.ndarray, cmap: str = "coolwarm") -> QImage:
    """Signed values (e.g. a conv kernel) centred on zero: white is 0, colour is the sign."""
    v = np.asarray(values, dtype=np.float32)
    m = float(np.abs(v).max()) if v.size else 0.0
    m = m if m > 1e-12 else 1.0
    return to_qimage(v, False, cmap, -m, m)
