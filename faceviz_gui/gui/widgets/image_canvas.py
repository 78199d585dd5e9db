"""Small painted views: one image fitted to its box (with optional region boxes), and a conv
kernel drawn large with its values written in the cells."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from faceviz_gui.gui.widgets.image_utils import lut_color

CANVAS = QColor("#1d1f23")
PLACEHOLDER = QColor("#7d828b")
BOX = QColor("#ffb224")


class ImageCanvas(QWidget):
    """Paints a QImage scaled to fit (aspect kept) on a dark canvas; boxes in image pixels."""

    def __init__(self, parent=None, min_size: QSize = QSize(64, 60), smooth: bool = True):
        super().__init__(parent)
        self._image: QImage | None = None
        self._boxes: list[tuple[float, float, float, float]] = []
        self._caption = ""
        self._placeholder = ""
        self._smooth = smooth
        self._min = min_size
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage | None, boxes=(), caption: str = "") -> None:
        self._image, self._boxes, self._caption = image, list(boxes), caption
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._image, self._boxes, self._caption, self._placeholder = None, [], "", text
        self.update()

    def set_smooth(self, smooth: bool) -> None:
        self._smooth = smooth
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def minimumSizeHint(self) -> QSize:
        return self._min

    def sizeHint(self) -> QSize:
        return self._min * 2

    def hasHeightForWidth(self) -> bool:
        return self._image is not None

    def heightForWidth(self, w: int) -> int:
        if self._image is None or self._image.width() == 0:
            return w
        return round(w * self._image.height() / self._image.width())

    def image_rect(self) -> QRectF:
        r = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        if self._image is None or self._image.isNull():
            return r
        s = min(r.width() / self._image.width(), r.height() / self._image.height())
        w, h = self._image.width() * s, self._image.height() * s
        return QRectF(r.center().x() - w / 2, r.center().y() - h / 2, w, h)

    def paintEvent(self, e) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), CANVAS)
        if self._image is None or self._image.isNull():
            p.setPen(PLACEHOLDER)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       self._placeholder)
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._smooth)
        r = self.image_rect()
        p.drawImage(r, self._image)
        sx, sy = r.width() / self._image.width(), r.height() / self._image.height()
        p.setPen(QPen(BOX, 1.5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        for x0, y0, x1, y1 in self._boxes:
            p.drawRect(QRectF(r.left() + x0 * sx, r.top() + y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy))
        if self._caption:
            f = QFont(self.font())
            f.setPointSizeF(max(6.5, f.pointSizeF() * 0.85))
            p.setFont(f)
            h = p.fontMetrics().height() + 2
            band = QRectF(r.left(), r.bottom() - h, r.width(), h)
            p.fillRect(band, QColor(0, 0, 0, 150))
            p.setPen(QColor("#f0f0f0"))
            p.drawText(band.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                       self._caption)


class KernelView(QWidget):
    """A k x k kernel as coloured cells (blue negative, red positive) with the values inside."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._k: np.ndarray | None = None
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_kernel(self, kernel: np.ndarray | None) -> None:
        self._k = None if kernel is None else np.asarray(kernel, dtype=np.float32).reshape(
            np.asarray(kernel).shape[-2:])
        self.update()

    def kernel(self) -> np.ndarray | None:
        return self._k

    def sizeHint(self) -> QSize:
        return QSize(180, 180)

    def paintEvent(self, e) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._k is None:
            return
        kh, kw = self._k.shape
        side = min(self.width(), self.height()) - 2
        cell = side / max(kh, kw)
        x0 = (self.width() - cell * kw) / 2
        y0 = (self.height() - cell * kh) / 2
        m = float(np.abs(self._k).max()) or 1.0
        f = QFont(self.font())
        f.setPointSizeF(max(7.0, min(11.0, cell / 5)))
        p.setFont(f)
        for r in range(kh):
            for c in range(kw):
                v = float(self._k[r, c])
                t = 0.5 + 0.5 * v / m
                rect = QRectF(x0 + c * cell, y0 + r * cell, cell, cell)
                col = lut_color("coolwarm", t)
                p.fillRect(rect, col)
                p.setPen(QPen(QColor("#ffffff"), 1))
                p.drawRect(rect)
                p.setPen(QColor("#111111") if abs(v / m) < 0.6 else QColor("#ffffff"))
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"{v:+.2f}")
