"""A confusion matrix as a heat map: rows true class, columns predicted, counts in the cells.

Cells are shaded by the row fraction (how much of each true class went where), so a small
class with every image wrong is as dark as a big one.
"""
from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


def _shade(frac: float, diagonal: bool) -> QColor:
    base = QColor("#2f6fdf") if diagonal else QColor("#d1495b")
    t = 0.08 + 0.92 * max(0.0, min(1.0, frac))
    return QColor(int(255 + (base.red() - 255) * t), int(255 + (base.green() - 255) * t),
                  int(255 + (base.blue() - 255) * t))


MAX_CELL = 120.0   # px: bigger cells only spread the same numbers
MAX_GROW = 1.6     # the counts' font grows with the cells, up to this factor


class ConfusionMatrixView(QWidget):
    cellClicked = Signal(int, int)  # (true, predicted) with clickable set; (-1, -1): let go
    """``fit_labels``: ask the layout for cells as wide as the longest class name (where the
    view has room to claim); otherwise narrow cells draw their heads smaller, then elided."""

    def __init__(self, parent=None, fit_labels: bool = False):
        super().__init__(parent)
        self.fit_labels = fit_labels
        self.matrix: list[list[int]] = []
        self.classes: list[str] = []
        self.selected: tuple[int, int] | None = None
        self.clickable = False  # the live page's photos: a click filters the photo table
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Confusion matrix of the test split: rows are the true class, columns "
                        "the predicted one; blue is right, red is wrong, shade = share of the row")

    def set_data(self, matrix: list[list[int]] | None, classes: list[str] | None) -> None:
        self.selected = None
        self.matrix = [list(map(int, row)) for row in (matrix or [])]
        self.classes = list(classes or [str(i) for i in range(len(self.matrix))])
        self.updateGeometry()
        self.update()

    def _frame(self, fm) -> tuple[float, float, float]:
        """(row-label width, top margin, left margin) for these classes in this font."""
        label_w = max((fm.horizontalAdvance(c) for c in self.classes), default=0) + 14
        return label_w, fm.height() * 2 + 8, label_w + fm.height() + 6

    def sizeHint(self) -> QSize:
        return QSize(320, 260).expandedTo(self.minimumSizeHint())

    def minimumSizeHint(self) -> QSize:
        """With ``fit_labels``: columns as wide as the longest class name, rows two lines."""
        n = len(self.matrix)
        if not n or not self.fit_labels:
            return QSize(220, 180)
        fm = self.fontMetrics()
        _, top, left = self._frame(fm)
        return QSize(int(left + n * self._label_cell(fm) + 8),
                     int(top + n * (2 * fm.height() + 8) + 8)).expandedTo(QSize(220, 180))

    def _label_cell(self, fm) -> float:
        return max(40.0, max(fm.horizontalAdvance(c) for c in self.classes) + 10.0)

    def _cells(self) -> tuple[float, float, float]:
        """(x offset of the centred grid, cell width, cell height)."""
        n = max(1, len(self.matrix))
        fm = self.fontMetrics()
        _label_w, top, left = self._frame(fm)
        room_w, room_h = (self.width() - left - 8) / n, (self.height() - top - 8) / n
        # Square cells where they fit, up to MAX_CELL (a 2x2 matrix filling a big view is all
        # colour and no information); in a short, wide view the columns widen, up to half as
        # wide again or the class names' width, so the heads stay whole instead of "strai…".
        ch = max(10.0, min(room_w, room_h, MAX_CELL))
        cw = max(ch, min(room_w, max(self._label_cell(fm), 1.5 * ch), 1.5 * MAX_CELL))
        return max(0.0, (self.width() - left - 8 - cw * n) / 2), cw, ch

    def cell_rect(self, i: int, j: int) -> QRectF:
        """Cell (true i, predicted j) in the widget's coordinates."""
        _label_w, top, left = self._frame(self.fontMetrics())
        dx, cw, ch = self._cells()
        return QRectF(dx + left + j * cw, top + i * ch, cw, ch)

    def cell_at(self, pos) -> tuple[int, int] | None:
        n = len(self.matrix)
        for i in range(n):
            for j in range(n):
                if self.cell_rect(i, j).contains(pos):
                    return i, j
        return None

    def select_cell(self, cell: tuple[int, int] | None) -> None:
        """Frame one cell (None: none); the owner filters its table to that cell's rows."""
        self.selected = cell
        self.update()

    def mousePressEvent(self, e) -> None:
        cell = self.cell_at(e.position())
        if cell is not None and self.clickable:
            cell = None if cell == self.selected else cell  # a second click lets go
            self.select_cell(cell)
            self.cellClicked.emit(*(cell or (-1, -1)))

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#ffffff"))
        n = len(self.matrix)
        if not n:
            p.setPen(QColor("#6b7280"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No test results yet")
            return
        fm = p.fontMetrics()
        label_w, top, left = self._frame(fm)
        dx, cw, ch = self._cells()
        p.translate(dx, 0)  # centred in a wide view; the labels move with the grid
        grid = QRectF(left, top, cw * n, ch * n)
        bold = QFont(p.font())
        bold.setBold(True)
        # bigger numbers in big cells: two lines take about 40% of the cell's height
        base = QFontMetricsF(bold).height()
        # and "100%" (about 2.6 line heights wide) in 60% of its width
        grow = max(1.0, min(MAX_GROW, 0.2 * ch / base, 0.23 * cw / base))
        if grow > 1.0 and bold.pointSizeF() > 0:
            bold.setPointSizeF(bold.pointSizeF() * grow)
        two_lines = ch >= 2 * QFontMetricsF(bold).height() + 2
        p.setPen(QColor("#3b4350"))
        p.drawText(QRectF(left, 0, grid.width(), fm.height() + 2), Qt.AlignmentFlag.AlignCenter,
                   "predicted")
        p.save()
        p.translate(fm.height() - 2, top + grid.height() / 2)
        p.rotate(-90)
        p.drawText(QRectF(-grid.height() / 2, -fm.height(), grid.height(), fm.height() + 2),
                   Qt.AlignmentFlag.AlignCenter, "true")
        p.restore()
        for j, c in enumerate(self.classes):
            room, need = cw - 4, fm.horizontalAdvance(c)
            if need > room:  # a smaller font first (down to 3/4), elided only past that
                small = QFont(p.font())
                small.setPointSizeF(p.font().pointSizeF() * max(0.75, room / need))
                p.setFont(small)
            p.drawText(QRectF(left + j * cw, fm.height() + 4, cw, fm.height()),
                       Qt.AlignmentFlag.AlignCenter | Qt.AlignmentFlag.AlignBottom,
                       _elide(p.fontMetrics(), c, room))
            p.setFont(self.font())
        for i, row in enumerate(self.matrix):
            total = sum(row) or 1
            p.setPen(QColor("#3b4350"))
            p.drawText(QRectF(fm.height() + 4, top + i * ch, label_w - 8, ch),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self.classes[i])
            for j, count in enumerate(row):
                cell = QRectF(left + j * cw, top + i * ch, cw, ch)
                frac = count / total
                p.fillRect(cell, _shade(frac, i == j))
                p.setPen(QPen(QColor("#ffffff"), 2))
                p.drawRect(cell)
                p.setPen(QColor("#ffffff") if frac > 0.55 else QColor("#1f2937"))
                p.setFont(bold)
                p.drawText(cell, Qt.AlignmentFlag.AlignCenter,
                           f"{count}\n{100 * frac:.0f}%" if two_lines else str(count))
                p.setFont(self.font())
        if self.selected is not None:
            i, j = self.selected
            p.setPen(QPen(QColor("#111827"), 3))
            p.drawRect(QRectF(left + j * cw, top + i * ch, cw, ch).adjusted(1.5, 1.5, -1.5, -1.5))


def _elide(fm, text: str, width: float) -> str:
    return fm.elidedText(text, Qt.TextElideMode.ElideRight, int(width))
