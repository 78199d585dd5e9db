"""Painted views of the live page: the frame with the face box, the class bars, and short
status lines that elide instead of wrapping."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

CANVAS = QColor("#1d1f23")
FACE = QColor("#3ddc84")
HELD = QColor("#ffb224")
CROP = QColor("#5aa9ff")
MUTED = QColor("#8b9099")


class VideoView(QWidget):
    """A frame fitted to the widget, the face box (green; amber while held from an earlier
    frame) and the region the network sees (blue, dashed), with a caption band."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.box = None            # faces.Box in frame pixels
        self.box_found = False
        self.region = None         # (x, y, w, h) crop region in frame pixels
        self.caption = ""
        self.mirror = False        # show mirrored (the network still sees the true frame)
        self.message = "No video yet.\nStart a camera, open a video, or drop photos here."
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 180)  # the page must fit beside the browser on a laptop

    def sizeHint(self) -> QSize:
        return QSize(640, 480)

    def show_frame(self, image: QImage, box=None, found=False, rect=None, caption="") -> None:
        self.image, self.box, self.box_found, self.region = image, box, found, rect
        self.caption = caption
        self.update()

    def set_mirror(self, mirror: bool) -> None:
        self.mirror = mirror
        self.update()

    def show_message(self, text: str) -> None:
        self.image, self.box, self.region, self.caption, self.message = None, None, None, "", text
        self.update()

    def image_rect(self) -> QRectF:
        r = QRectF(self.rect_area())
        if self.image is None or self.image.isNull():
            return r
        s = min(r.width() / self.image.width(), r.height() / self.image.height())
        w, h = self.image.width() * s, self.image.height() * s
        return QRectF(r.center().x() - w / 2, r.center().y() - h / 2, w, h)

    def rect_area(self) -> QRectF:
        return QRectF(self.rect()).adjusted(2, 2, -2, -2)

    def paintEvent(self, _e) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), CANVAS)
        if self.image is None or self.image.isNull():
            p.setPen(MUTED)
            p.drawText(self.rect().adjusted(20, 20, -20, -20),
                       Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        r = self.image_rect()
        p.save()
        if self.mirror:  # flip the picture and its boxes together about the image centre
            p.translate(r.center().x() * 2, 0)
            p.scale(-1, 1)
        p.drawImage(r, self.image)
        s = r.width() / self.image.width()
        to_view = lambda x, y, w, h: QRectF(r.left() + x * s, r.top() + y * s, w * s, h * s)
        p.setClipRect(r)
        if self.region is not None:
            p.setPen(QPen(CROP, 1.5, Qt.PenStyle.DashLine))
            p.drawRect(to_view(*self.region))
        if self.box is not None:
            p.setPen(QPen(FACE if self.box_found else HELD, 2.5))
            p.drawRect(to_view(self.box.x, self.box.y, self.box.w, self.box.h))
        p.restore()
        if self.caption:
            f = QFont(self.font())
            f.setPointSizeF(f.pointSizeF() * 1.1)
            f.setBold(True)
            p.setFont(f)
            h = p.fontMetrics().height() + 8
            band = QRectF(r.left(), r.top(), r.width(), h)
            p.fillRect(band, QColor(0, 0, 0, 150))
            p.setPen(QColor("#f4f4f4"))
            text = band.adjusted(8, 0, -8, 0)
            p.drawText(text, Qt.AlignmentFlag.AlignVCenter, p.fontMetrics().elidedText(
                self.caption, Qt.TextElideMode.ElideRight, int(text.width())))


class ProbabilityBars(QWidget):
    """One horizontal bar per class: probabilities (softmax) or raw outputs (linear)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.classes: list[str] = []
        self.values = np.zeros(0, np.float32)
        self.kind = "softmax"
        self.predicted = -1
        self.setMinimumHeight(90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

    def _label_width(self) -> int:
        """Room for the longest class name in bold (the predicted one is drawn bold)."""
        bold = QFont(self.font())
        bold.setBold(True)
        fm = QFontMetricsF(bold)
        return int(max((fm.horizontalAdvance(c) for c in self.classes), default=40)) + 12

    def _value_width(self) -> int:
        return int(QFontMetricsF(self.font()).horizontalAdvance("-0.00")) + 10

    def sizeHint(self) -> QSize:
        return QSize(self._label_width() + self._value_width() + 160,
                     28 * max(2, len(self.classes)) + 8)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._label_width() + self._value_width() + 60, 90)

    def set_values(self, classes, values, kind: str = "softmax", predicted: int | None = None) -> None:
        self.classes, self.values, self.kind = list(classes), np.asarray(values, np.float32), kind
        self.predicted = int(np.argmax(self.values)) if predicted is None else predicted
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        self.set_values([], [], self.kind, -1)

    def paintEvent(self, _e) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        n = len(self.classes)
        if n == 0:
            p.setPen(MUTED)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No prediction yet")
            return
        label_w, value_w = self._label_width(), self._value_width()
        row = min(30.0, (self.height() - 4) / n)
        if self.kind == "softmax":
            lo, hi = 0.0, 1.0
        else:  # raw outputs may be negative: bars from zero, scaled to the largest
            m = float(np.abs(self.values).max()) or 1.0
            lo, hi = min(0.0, -m), m
        x0, x1 = label_w, self.width() - value_w
        zero = x0 + (x1 - x0) * (0 - lo) / (hi - lo)
        for i, (c, v) in enumerate(zip(self.classes, self.values)):
            y = 2 + i * row
            p.setPen(self.palette().color(QPalette.ColorRole.WindowText) if i == self.predicted
                     else MUTED)
            f = QFont(self.font())
            f.setBold(i == self.predicted)
            p.setFont(f)
            p.drawText(QRectF(0, y, label_w - 6, row), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, c)
            p.fillRect(QRectF(x0, y + row * 0.2, x1 - x0, row * 0.6), QColor("#d9dce1"))
            end = x0 + (x1 - x0) * (float(np.clip(v, lo, hi)) - lo) / (hi - lo)
            colour = QColor("#3ddc84") if i == self.predicted else QColor("#5aa9ff")
            p.fillRect(QRectF(min(zero, end), y + row * 0.2, abs(end - zero), row * 0.6), colour)
            p.drawText(QRectF(x1 + 4, y, value_w, row), Qt.AlignmentFlag.AlignVCenter, f"{v:.2f}")


class StatusLines(QWidget):
    """A fixed number of short lines, each elided on the right when the column is narrow (no
    wrapping, so the layout never jumps as numbers change); the full text and any detail are
    in the tooltip."""

    def __init__(self, lines: int = 2, parent=None):
        super().__init__(parent)
        self.lines = lines
        self._text: list[str] = []
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def setText(self, text: str, detail: str = "") -> None:
        self._text = text.split("\n")[: self.lines]
        self.setToolTip("\n".join(self._text) + (f"\n{detail}" if detail else ""))
        self.updateGeometry()
        self.update()

    def text(self) -> str:
        return "\n".join(self._text)

    def _height(self) -> int:
        return self.fontMetrics().lineSpacing() * self.lines + 4

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(max((fm.horizontalAdvance(t) for t in self._text), default=80) + 4,
                     self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(80, self._height())

    def paintEvent(self, _e) -> None:
        p = QPainter(self)
        fm = p.fontMetrics()
        ls = fm.lineSpacing()
        p.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        for i, line in enumerate(self._text):
            p.drawText(QRect(0, 2 + i * ls, self.width(), ls),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(line, Qt.TextElideMode.ElideRight, self.width()))


def dropped_words(worker, source) -> str:
    """The dropped-frame count in plain words: "39 of 75 frames dropped (the network was busy)"."""
    total = worker.dropped if worker is not None else 0
    if source.drop_base is None or source.drop_base > total:  # counted from this source's start
        source.drop_base = total
    dropped = total - source.drop_base
    seen = max(source.frames, dropped)
    if not seen:
        return "no frames dropped"
    if not dropped:
        return f"none of {seen} frames dropped"
    return f"{dropped} of {seen} frames dropped (the network was busy)"
