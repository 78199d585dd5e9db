"""LayerDetail: the selected unit of the live layer view, side by side.

Its activation over the face crop (a conv channel's map upsampled onto the crop, on the
layer's own colour scale; a dense unit's value), its HappyMap (what excites it most, from the
map cache or rendered on demand by the owner) and the nine data-set images that excite it
most, each with the region that does. The owner feeds it; it paints numpy -> QImage only.
"""
from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from faceviz_gui.core.attention.methods import overlay
from faceviz_gui.gui.widgets.elided_label import ElidedLabel
from faceviz_gui.gui.widgets.image_canvas import ImageCanvas
from faceviz_gui.gui.widgets.image_utils import to_qimage
from faceviz_gui.gui.widgets.top_nine import TopNine


def _titled(title: str, body, tip: str) -> QWidget:
    w = QWidget()
    lay = QVBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    lab = QLabel(f"<b>{title}</b>")
    lab.setToolTip(tip)
    lay.addWidget(lab)
    if isinstance(body, QWidget):
        lay.addWidget(body, 1)
    else:
        lay.addLayout(body, 1)
    return w


def unit_overlay(crop: np.ndarray, acts, unit: int, alpha: float = 0.6) -> np.ndarray:
    """RGB uint8: a conv unit's map, upsampled to the crop on the layer's colour scale, over
    the crop; a dense unit (one number, no place) gives the crop alone."""
    if acts.maps is None:
        return np.repeat(np.clip(crop * 255 + 0.5, 0, 255).astype(np.uint8)[..., None], 3, axis=2)
    peak = float(acts.maps.max())
    m = acts.maps[unit] / peak if peak > 1e-12 else np.zeros_like(acts.maps[unit])
    heat = cv2.resize(m.astype(np.float32), (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_LINEAR)
    out = overlay(crop, np.clip(heat, 0, 1), alpha)
    return out if out.dtype == np.uint8 else np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8)


def rgb_qimage(rgb: np.ndarray):
    from PySide6.QtGui import QImage
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class LayerDetail(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = ElidedLabel("No unit selected")
        self.title.setStyleSheet("font-weight: 600;")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.activation = ImageCanvas(min_size=QSize(64, 60), smooth=False)
        self.happymap = ImageCanvas(min_size=QSize(64, 60))
        self.tops = TopNine(QSize(32, 30), spacing=3)
        self.top = self.tops.cells
        row = QHBoxLayout()
        row.setSpacing(10)
        row.addWidget(_titled("Activation", self.activation, "The unit's activation over the "
                              "face crop, on the layer's colour scale"), 1)
        row.addWidget(_titled("HappyMap", self.happymap, "The input that excites the unit most"), 1)
        row.addWidget(_titled("Top 9", self.tops, "The nine probe-set images that excite it most, "
                              "boxed where they do"), 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 4, 4, 4)
        lay.addWidget(self.title)
        lay.addLayout(row, 1)
        self.set_top_images(None)

    def show_unit(self, acts, crop: np.ndarray | None, unit: int) -> None:
        if acts is None or not 0 <= unit < len(acts):
            self.title.setText("No unit selected")
            self.activation.set_placeholder("")
            return
        what = "logit" if acts.decision else ("mean" if acts.maps is not None else "value")
        name = acts.names[unit]
        label = name if acts.decision else f"{'filter' if acts.maps is not None else 'unit'} {name}"
        self.title.setText(f"{acts.layer} · {label} · {what} {float(acts.values[unit]):.4g}")
        if crop is not None:
            self.activation.set_image(rgb_qimage(unit_overlay(crop, acts, unit)),
                                      caption=f"{what} {float(acts.values[unit]):.3g}")

    def set_happymap(self, image: np.ndarray | None, note: str = "") -> None:
        if image is None:
            self.happymap.set_placeholder(note)
        else:
            self.happymap.set_image(to_qimage(image), caption=note)

    def set_top_images(self, items, note: str = "") -> None:
        self.tops.set_items(items, note)

    def top_count(self) -> int:
        return self.tops.count()
