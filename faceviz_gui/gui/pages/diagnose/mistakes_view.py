"""The mistakes as a grid, most confident first: each tile the crop beside its attention;
clicking one opens it large with its attention and its own sensitivity strip."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QListView, QListWidget, QListWidgetItem, QVBoxLayout

from faceviz_gui.core.attention.methods import overlay

TILE = 72          # tile height in pixels
LIMIT = 120        # tiles shown: the rest are in the exported report


def rgb_qimage(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim == 2:
        rgb = np.ascontiguousarray(np.repeat(rgb[..., None], 3, axis=2))
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def pair_image(crop: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """The crop and its attention overlay side by side, uint8 RGB."""
    grey = np.repeat(np.round(np.clip(crop, 0, 1) * 255).astype(np.uint8)[..., None], 3, axis=2)
    gap = np.full((crop.shape[0], 2, 3), 255, np.uint8)
    return np.concatenate([grey, gap, overlay(crop, heat, 0.5, "jet")], axis=1)


class MistakesView(QListWidget):
    opened = Signal(int)             # index of the folder image opened

    def __init__(self, parent=None):
        super().__init__(parent)
        self.diag = None
        self.dialog: QDialog | None = None
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(QSize(TILE * 2 + 6, TILE))
        self.setSpacing(4)
        self.setWordWrap(True)
        self.itemClicked.connect(lambda it: self.open_image(it.data(Qt.ItemDataRole.UserRole)))

    def set_diagnosis(self, diag) -> None:
        self.clear()
        self.diag = diag
        if diag is None or diag.attention is None:
            return
        for i in diag.mistakes()[:LIMIT]:
            pm = QPixmap.fromImage(rgb_qimage(pair_image(diag.folder.images[i], diag.attention.heatmaps[i])))
            item = QListWidgetItem(QIcon(pm.scaledToHeight(TILE)),
                                   f"{diag.classes[diag.predictions[i]]} {diag.probs[i].max():.2f}")
            item.setData(Qt.ItemDataRole.UserRole, int(i))
            item.setToolTip(f"{diag.folder.paths[i]}\ntrue {diag.classes[diag.folder.labels[i]]}, "
                            f"answered {diag.classes[diag.predictions[i]]} ({diag.probs[i].max():.2f})")
            self.addItem(item)

    def open_image(self, i: int) -> QDialog:
        """A window with image ``i`` large, its attention, and its sensitivity strip."""
        from faceviz_gui.core.diagnose.plots import sensitivity_strip
        d = self.diag
        dlg = QDialog(self)
        dlg.setWindowTitle(d.folder.paths[i].rsplit("/", 1)[-1])
        big = QLabel()
        pm = QPixmap.fromImage(rgb_qimage(pair_image(d.folder.images[i], d.attention.heatmaps[i])))
        big.setPixmap(pm.scaledToHeight(300, Qt.TransformationMode.FastTransformation))
        strip_im = sensitivity_strip(d, i, cell=14).convert("RGB")
        strip = QLabel()
        strip.setPixmap(QPixmap.fromImage(rgb_qimage(np.asarray(strip_im))))
        text = QLabel(f"<b>{d.folder.paths[i]}</b><br>true <b>{d.classes[d.folder.labels[i]]}</b>, "
                      f"answered <b>{d.classes[d.predictions[i]]}</b> "
                      f"(p = {d.probs[i].max():.2f}); attention by {d.attention.method}.<br>"
                      "Its own sensitivity: a row per factor, a cell per value; green = the "
                      "true class, red = not; outlined = as it is.")
        text.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(big)
        row.addWidget(strip)
        lay = QVBoxLayout(dlg)
        lay.addLayout(row)
        lay.addWidget(text)
        self.dialog = dlg
        dlg.show()
        self.opened.emit(i)
        return dlg
