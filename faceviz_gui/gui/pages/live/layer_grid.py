"""ActivationGrid: every unit of one layer responding to the current frame (as in DeepVis).

A conv layer is a grid of its channels' activation maps, one colour scale for the whole layer
so a quiet channel looks quiet; a dense layer is a row of bars, one per unit, signed around a
zero line (the decision layer's bars are its logits, labelled with the class names). "Most
active first" orders units by value; the selection follows the unit, not the place.

Per frame the UI thread does one numpy colour lookup over the stacked maps and one QImage;
each tile is drawn from its slice of that image. Keys as in the gallery: arrows move the
selection, Home/End jump, Page Up/Page Down ask the owner for another layer.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, qRgb
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from faceviz_gui.gui.widgets.image_utils import lut
from faceviz_gui.gui.widgets.tile_painter import SELECT, TEXT, TEXT_DIM, TILE_BG

CANVAS = QColor("#1d1f23")
POSITIVE, NEGATIVE = QColor("#f2a541"), QColor("#5b8def")
CMAP = "inferno"


def indexed_image(maps: np.ndarray) -> QImage:
    """(C, h, w) maps stacked into one (C*h, w) colour-indexed QImage on one scale, 0..peak.

    The colour map is the image's colour table, so the UI thread's per-frame work is one
    scale to uint8 (a 64-channel map of a 64x60 net: about 0.2 ms); a per-pixel RGB lookup
    in numpy measured 9 ms a frame for conv2d_1."""
    c, h, w = maps.shape
    peak = float(maps.max()) if maps.size else 0.0
    scale = 255.0 / peak if peak > 1e-12 else 0.0
    u8 = np.ascontiguousarray(np.clip(maps.reshape(c * h, w) * scale + 0.5, 0, 255).astype(np.uint8))
    img = QImage(u8.data, w, c * h, w, QImage.Format.Format_Indexed8)
    img.setColorTable(_colour_table())
    return img.copy()


_TABLE: list[int] = []


def _colour_table() -> list[int]:
    if not _TABLE:
        _TABLE.extend(qRgb(int(r), int(g), int(b)) for r, g, b in lut(CMAP))
    return _TABLE


class ActivationGrid(QWidget):
    currentChanged = Signal(int)           # the selected unit (its index in the layer)
    layerStepRequested = Signal(int)       # -1 / +1: Page Up / Page Down

    GAP, MARGIN = 4, 6

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.acts = None
        self.most_active_first = False
        self._order = np.zeros(0, dtype=np.int64)
        self._current = -1
        self._image: QImage | None = None      # conv maps stacked vertically, colour-mapped
        self._layer = ""
        self._empty = "Choose a run and show it a face: each unit of the layer lights up here."

    # -- content -------------------------------------------------------------------------
    def set_activations(self, acts) -> None:
        """A new frame's LayerActivations (or None). Keeps the selected unit when the layer
        is the same; a new layer starts at its first unit."""
        same = acts is not None and self.acts is not None and acts.layer == self.acts.layer \
            and len(acts) == len(self.acts)
        self.acts = acts
        self._image = None
        if acts is not None and acts.maps is not None:
            self._image = indexed_image(acts.maps)
        self._reorder()
        if acts is None:
            self._current = -1
        elif not same or self._current >= len(acts):
            self._current = -1
            self.set_current(0)
        self.update()

    def set_most_active_first(self, on: bool) -> None:
        self.most_active_first = on
        self._reorder()
        self.update()

    def set_empty_text(self, text: str) -> None:
        self._empty = text
        self.update()

    def _reorder(self) -> None:
        self._order = (self.acts.order(self.most_active_first) if self.acts is not None
                       else np.zeros(0, dtype=np.int64))

    def current(self) -> int:
        return self._current

    def count(self) -> int:
        return len(self._order)

    def order(self) -> list[int]:
        return [int(u) for u in self._order]

    def set_current(self, unit: int) -> None:
        if not len(self._order):
            return
        unit = max(0, min(int(unit), len(self._order) - 1))
        if unit != self._current:
            self._current = unit
            self.currentChanged.emit(unit)
        self.update()

    # -- geometry -------------------------------------------------------------------------
    def _area(self) -> QRect:
        return self.rect().adjusted(self.MARGIN, self.MARGIN, -self.MARGIN, -self.MARGIN)

    def columns(self) -> int:
        if self.acts is None or self.acts.maps is None:
            return max(1, len(self._order))    # bars: one row
        return self._grid()[0]

    def _grid(self) -> tuple[int, int]:
        """(columns, tile width) that make the conv tiles as big as the area allows."""
        n = len(self._order)
        _, h, w = self.acts.maps.shape
        area, gap = self._area(), self.GAP
        best = (1, 1)
        for cols in range(1, n + 1):
            rows = -(-n // cols)
            tw = (area.width() - gap * (cols - 1)) / cols
            th = (area.height() - gap * (rows - 1)) / rows
            size = int(min(tw, th * w / h))
            if size > best[1]:
                best = (cols, size)
        return best

    def unit_rect(self, pos: int) -> QRect:
        """Where the unit at display position ``pos`` is drawn."""
        area = self._area()
        if self.acts is not None and self.acts.maps is not None:
            cols, tw = self._grid()
            _, h, w = self.acts.maps.shape
            th = max(1, round(tw * h / w))
            r, c = divmod(pos, cols)
            return QRect(area.left() + c * (tw + self.GAP), area.top() + r * (th + self.GAP), tw, th)
        n = max(1, len(self._order))
        bw = area.width() / n
        return QRect(int(area.left() + pos * bw), area.top(), max(1, int(bw)), area.height())

    def unit_at(self, x: float, y: float) -> int:
        for pos in range(len(self._order)):
            if self.unit_rect(pos).adjusted(-1, -1, 1, 1).contains(int(x), int(y)):
                return int(self._order[pos])
        return -1

    def sizeHint(self) -> QSize:
        return QSize(520, 260)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 90)

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, e) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), CANVAS)
        if self.acts is None or not len(self._order):
            p.setPen(TEXT_DIM)
            p.drawText(self.rect().adjusted(12, 0, -12, 0),
                       Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._empty)
            return
        if self.acts.maps is not None:
            self._paint_maps(p)
        else:
            self._paint_bars(p)

    def _paint_maps(self, p: QPainter) -> None:
        _, h, w = self.acts.maps.shape
        for pos, unit in enumerate(self._order):
            r = self.unit_rect(pos)
            p.drawImage(r, self._image, QRect(0, int(unit) * h, w, h))
            if unit == self._current:
                p.setPen(QPen(SELECT, 2))
                p.drawRect(QRectF(r).adjusted(-1.5, -1.5, 1.5, 1.5))

    def _paint_bars(self, p: QPainter) -> None:
        v = self.acts.values
        area = self._area()
        labelled = len(v) <= 12                 # few units (the decision layer): name each
        fm = p.fontMetrics()
        label_h = fm.height() + 4 if labelled else 0
        top, bottom = area.top(), area.bottom() - label_h
        lo, hi = min(0.0, float(v.min())), max(0.0, float(v.max()))
        span = hi - lo if hi - lo > 1e-12 else 1.0
        zero = bottom - (0.0 - lo) / span * (bottom - top)
        for pos, unit in enumerate(self._order):
            r = self.unit_rect(pos)
            val = float(v[unit])
            y = bottom - (val - lo) / span * (bottom - top)
            pad = min(3, r.width() // 6)
            bar = QRectF(r.left() + pad, min(y, zero), max(1, r.width() - 2 * pad), abs(zero - y))
            p.fillRect(QRectF(r.left(), top, r.width(), bottom - top),
                       TILE_BG if unit == self._current else CANVAS)
            p.fillRect(bar, POSITIVE if val >= 0 else NEGATIVE)
            if labelled:
                p.setPen(TEXT)
                p.drawText(QRect(r.left(), int(bottom) + 2, r.width(), label_h),
                           Qt.AlignmentFlag.AlignCenter,
                           fm.elidedText(f"{self.acts.names[unit]} {val:.3g}",
                                         Qt.TextElideMode.ElideRight, r.width()))
            if unit == self._current:
                p.setPen(QPen(SELECT, 2))
                p.drawRect(QRectF(r.left() + 1, top + 1, r.width() - 2, bottom - top - 2))
        p.setPen(QPen(TEXT_DIM, 1))
        p.drawLine(area.left(), int(zero), area.right(), int(zero))

    # -- input ------------------------------------------------------------------------------
    def event(self, e) -> bool:
        if e.type() == QEvent.Type.ToolTip and self.acts is not None:
            unit = self.unit_at(e.pos().x(), e.pos().y())
            if unit >= 0:
                what = "logit" if self.acts.decision else ("mean" if self.acts.maps is not None else "value")
                QToolTip.showText(e.globalPos(), f"{self.acts.layer} {self.acts.names[unit]}: "
                                  f"{what} {float(self.acts.values[unit]):.4g}", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)

    def mousePressEvent(self, e) -> None:
        unit = self.unit_at(e.position().x(), e.position().y())
        if unit >= 0:
            self.set_current(unit)
        self.setFocus()

    def keyPressEvent(self, e) -> None:
        k, n = e.key(), len(self._order)
        if k == Qt.Key.Key_PageUp:
            self.layerStepRequested.emit(-1)
        elif k == Qt.Key.Key_PageDown:
            self.layerStepRequested.emit(1)
        elif n and k in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
                         Qt.Key.Key_Home, Qt.Key.Key_End):
            cols = self.columns() if self.acts.maps is not None else 1
            where = np.flatnonzero(self._order == self._current)
            pos = int(where[0]) if len(where) else 0
            target = {Qt.Key.Key_Left: pos - 1, Qt.Key.Key_Right: pos + 1,
                      Qt.Key.Key_Up: pos - cols, Qt.Key.Key_Down: pos + cols,
                      Qt.Key.Key_Home: 0, Qt.Key.Key_End: n - 1}[k]
            if 0 <= target < n:
                self.set_current(int(self._order[target]))
        else:
            super().keyPressEvent(e)
            return
        e.accept()
