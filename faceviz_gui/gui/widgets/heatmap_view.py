"""HeatmapView: a labelled matrix (e.g. CKA between the layers of two runs) as coloured cells.

Row labels on the left, column labels below (slanted when long), the value written in each
cell when it fits, a colour bar on the right. Clicking a cell (or moving with the arrow keys)
selects it and emits ``cellSelected(row, col)``.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from faceviz_gui.gui.widgets.image_utils import lut, lut_color

TEXT = QColor("#1f2937")
DIM = QColor("#5b6472")


class HeatmapView(QWidget):
    cellSelected = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._v = np.zeros((0, 0), np.float32)
        self._rows: list[str] = []
        self._cols: list[str] = []
        self._row_title = self._col_title = self._title = ""
        self._vmin, self._vmax, self._cmap = 0.0, 1.0, "viridis"
        self._sel = (-1, -1)
        self._hover = (-1, -1)
        self._empty = ""

    def set_matrix(self, values, rows: list[str], cols: list[str], *, title: str = "",
                   row_title: str = "", col_title: str = "", vmin: float = 0.0, vmax: float = 1.0,
                   cmap: str = "viridis") -> None:
        self._v = np.asarray(values, dtype=np.float32).reshape(len(rows), len(cols))
        self._rows, self._cols = list(rows), list(cols)
        self._title, self._row_title, self._col_title = title, row_title, col_title
        self._vmin, self._vmax, self._cmap = vmin, vmax, cmap
        self._sel = (-1, -1)
        self.updateGeometry()
        self.update()

    def label_room(self) -> dict[str, tuple[float, float]]:
        """{"rows": (gap, needed), "cols": (gap, needed)} in pixels: the distance between
        neighbouring labels and the least that keeps them apart (a line of text; a straight
        column label's own width). Labels overlap when gap < needed."""
        _x0, _y0, cell, slant = self._layout()
        fm = self.fontMetrics()
        widest = max([fm.horizontalAdvance(c) for c in self._cols] + [0])
        cols = (cell * math.sin(math.radians(40)), fm.height()) if slant else (cell, widest + 2)
        return {"rows": (cell, fm.height()), "cols": cols}

    def clear(self, text: str = "") -> None:
        self._v = np.zeros((0, 0), np.float32)
        self._rows, self._cols, self._sel, self._empty = [], [], (-1, -1), text
        self.update()

    def values(self) -> np.ndarray:
        return self._v

    def selected(self) -> tuple[int, int]:
        return self._sel

    def select(self, r: int, c: int) -> None:
        if 0 <= r < len(self._rows) and 0 <= c < len(self._cols) and (r, c) != self._sel:
            self._sel = (r, c)
            self.update()
            self.cellSelected.emit(r, c)

    def sizeHint(self) -> QSize:
        return QSize(520, 460)

    def minimumSizeHint(self) -> QSize:
        # Room for every label without overlap: cells no smaller than min_cell.
        if not self._rows:
            return QSize(260, 220)
        left, right, top, bottom, _col_w = self._margins(True)
        cell = self._min_cell(True)
        return QSize(int(left + right + 8 + cell * len(self._cols)),
                     int(top + bottom + cell * len(self._rows)))

    # -- geometry -----------------------------------------------------------------------------
    def _min_cell(self, slant: bool) -> float:
        """The smallest cell whose labels do not overlap: row labels need a line each, and
        labels slanted at 40 degrees are cell * sin(40) apart, which must be a line too."""
        lh = self.fontMetrics().height()
        return math.ceil(lh / math.sin(math.radians(40))) + 1 if slant else lh + 4

    def _margins(self, slant: bool):
        fm = self.fontMetrics()
        lh = fm.height()
        left = max([fm.horizontalAdvance(s) for s in self._rows] + [0]) + 14 + (lh + 6 if self._row_title else 0)
        col_w = max([fm.horizontalAdvance(s) for s in self._cols] + [0])
        top = (lh + 14 if self._title else 8)
        right = 70                                   # colour bar and its ticks
        bottom = (int(col_w * 0.72 + lh) if slant else lh) + 12 + (lh + 6 if self._col_title else 0)
        return left, right, top, bottom, col_w

    def _layout(self):
        left, right, top, _bottom, col_w = self._margins(False)
        avail_w = self.width() - left - right - 8
        n_r, n_c = max(len(self._rows), 1), max(len(self._cols), 1)
        def fit(slant: bool) -> float:
            bottom = self._margins(slant)[3]
            return min(avail_w / n_c, (self.height() - top - bottom) / n_r, 72.0)
        # Labels too wide for their column (after the height has had its say): slant them.
        slant = col_w + 10 > fit(False)
        cell = max(self._min_cell(slant), fit(slant))
        x0 = left + max(0.0, (avail_w - cell * n_c) / 2)
        return x0, float(top), cell, slant

    def cell_rect(self, r: int, c: int) -> QRectF:
        x0, y0, cell, _ = self._layout()
        return QRectF(x0 + c * cell, y0 + r * cell, cell, cell)

    def cell_at(self, pos: QPointF) -> tuple[int, int]:
        if not self._rows:
            return (-1, -1)
        x0, y0, cell, _ = self._layout()
        c, r = math.floor((pos.x() - x0) / cell), math.floor((pos.y() - y0) / cell)
        return (r, c) if 0 <= r < len(self._rows) and 0 <= c < len(self._cols) else (-1, -1)

    # -- painting -----------------------------------------------------------------------------
    def paintEvent(self, e) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        if not self._rows:
            p.setPen(DIM)
            p.drawText(self.rect().adjusted(20, 20, -20, -20),
                       Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._empty)
            return
        x0, y0, cell, slant = self._layout()
        fm = p.fontMetrics()
        n_r, n_c = len(self._rows), len(self._cols)
        if self._title:
            f = QFont(self.font())
            f.setBold(True)
            p.setFont(f)
            p.setPen(TEXT)
            p.drawText(QRectF(0, 4, self.width(), fm.height() + 4), Qt.AlignmentFlag.AlignHCenter, self._title)
            p.setFont(self.font())
        small = QFont(self.font())
        small.setPointSizeF(max(6.5, min(self.font().pointSizeF(), cell / 3.6)))
        for r in range(n_r):
            for c in range(n_c):
                rect = self.cell_rect(r, c)
                v = float(self._v[r, c])
                t = 0.0 if math.isnan(v) else (v - self._vmin) / max(self._vmax - self._vmin, 1e-12)
                col = QColor("#d0d4da") if math.isnan(v) else lut_color(self._cmap, t)
                p.fillRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), col)
                if cell >= 26:
                    p.setFont(small)
                    p.setPen(QColor("#111111") if col.lightnessF() > 0.55 else QColor("#ffffff"))
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "–" if math.isnan(v) else f"{v:.2f}")
                    p.setFont(self.font())
        if (r_c := self._hover) != (-1, -1) and r_c != self._sel:
            p.setPen(QPen(QColor(255, 255, 255, 200), 2))
            p.drawRect(self.cell_rect(*r_c).adjusted(1, 1, -1, -1))
        if self._sel != (-1, -1):
            p.setPen(QPen(QColor("#111827"), 3))
            p.drawRect(self.cell_rect(*self._sel).adjusted(1.5, 1.5, -1.5, -1.5))
        # Labels; the selected row and column in bold so the pair is easy to read off.
        bold = QFont(self.font())
        bold.setBold(True)
        for r, name in enumerate(self._rows):
            p.setFont(bold if r == self._sel[0] else self.font())
            p.setPen(TEXT)
            p.drawText(QRectF(0, y0 + r * cell, x0 - 8, cell),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
        y_lab = y0 + n_r * cell + 6
        for c, name in enumerate(self._cols):
            p.setFont(bold if c == self._sel[1] else self.font())
            cx = x0 + (c + 0.5) * cell
            if slant:
                p.save()
                p.translate(cx + fm.height() / 3, y_lab)
                p.rotate(-40)
                p.drawText(QPointF(-p.fontMetrics().horizontalAdvance(name), fm.ascent()), name)
                p.restore()
            else:
                p.drawText(QRectF(cx - cell / 2, y_lab, cell, fm.height()), Qt.AlignmentFlag.AlignHCenter, name)
        p.setFont(self.font())
        p.setPen(DIM)
        if self._col_title:
            col_w = max(fm.horizontalAdvance(s) for s in self._cols)
            y_title = y_lab + (col_w * 0.72 + fm.height() if slant else fm.height()) + 6
            # Centred under the matrix, but as wide as the text and inside the widget.
            text = fm.elidedText(self._col_title, Qt.TextElideMode.ElideRight, self.width() - 4)
            tw = fm.horizontalAdvance(text) + 4
            tx = min(max(0.0, x0 + cell * n_c / 2 - tw / 2), self.width() - tw)
            p.drawText(QRectF(tx, y_title, tw, fm.height() + 2), Qt.AlignmentFlag.AlignHCenter, text)
        if self._row_title:
            p.save()
            p.translate(fm.height() - 2, y0 + n_r * cell / 2)
            p.rotate(-90)
            p.drawText(QRectF(-n_r * cell / 2, -fm.height(), n_r * cell, fm.height() + 2),
                       Qt.AlignmentFlag.AlignHCenter, self._row_title)
            p.restore()
        self._paint_colorbar(p, x0 + n_c * cell + 16, y0, n_r * cell)

    def _paint_colorbar(self, p: QPainter, x: float, y: float, h: float) -> None:
        table = lut(self._cmap)
        grad = QLinearGradient(0, y + h, 0, y)
        for i in range(0, 256, 32):
            grad.setColorAt(i / 255, QColor(*[int(v) for v in table[i]]))
        grad.setColorAt(1.0, QColor(*[int(v) for v in table[255]]))
        bar = QRectF(x, y, 12, h)
        p.fillRect(bar, grad)
        p.setPen(QPen(QColor("#9aa3af"), 1))
        p.drawRect(bar)
        p.setPen(DIM)
        fm = p.fontMetrics()
        for frac in (0.0, 0.5, 1.0):
            v = self._vmin + frac * (self._vmax - self._vmin)
            ty = y + h - frac * h
            p.drawText(QPointF(x + 17, ty + fm.ascent() / 2 - 1), f"{v:.1f}")

    # -- interaction ----------------------------------------------------------------------------
    def tooltip_text(self, r: int, c: int) -> str:
        v = float(self._v[r, c])
        return (f"<b>{self._rows[r]}</b> ({self._row_title or 'rows'}) × <b>{self._cols[c]}</b> "
                f"({self._col_title or 'columns'})<br>value {'–' if math.isnan(v) else f'{v:.3f}'}")

    def event(self, e) -> bool:
        if e.type() == e.Type.ToolTip:
            rc = self.cell_at(QPointF(e.pos()))
            if rc != (-1, -1):
                QToolTip.showText(e.globalPos(), self.tooltip_text(*rc), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)

    def mouseMoveEvent(self, e) -> None:
        rc = self.cell_at(e.position())
        if rc != self._hover:
            self._hover = rc
            self.update()

    def leaveEvent(self, e) -> None:
        self._hover = (-1, -1)
        self.update()

    def mousePressEvent(self, e) -> None:
        rc = self.cell_at(e.position())
        if rc != (-1, -1):
            self.select(*rc)

    def keyPressEvent(self, e) -> None:
        r, c = self._sel if self._sel != (-1, -1) else (0, 0)
        d = {Qt.Key.Key_Left: (0, -1), Qt.Key.Key_Right: (0, 1), Qt.Key.Key_Up: (-1, 0),
             Qt.Key.Key_Down: (1, 0)}.get(e.key())
        if d is None or not self._rows:
            super().keyPressEvent(e)
            return
        self.select(max(0, min(len(self._rows) - 1, r + d[0])), max(0, min(len(self._cols) - 1, c + d[1])))
