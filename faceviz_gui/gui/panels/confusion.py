"""A confusion matrix as a heat map: rows true class, columns predicted, counts in the cells.

Cells are shaded by the row fraction (how much of each true class went where), so a small
class with every image wrong is as dark as a big one.
"""
from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


def _shade(frac: float, diagonal: bool) -> QColor:
    base = QColor("#2f6fdf") if diagonal else QColor("#d1495b")
    t = 0.08 + 0.92 * max(0.0, min(1.0, frac))
    return QColor(int(255 + (base.red() - 255) * t), int(255 + (base.green() - 255) * t),
                  int(255 + (base.blue() - 255) * t))


class ConfusionMatrixView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.matrix: list[list[int]] = []
        self.classes: list[str] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(220, 180)
        self.setToolTip("Confusion matrix of the test split: rows are the true class, columns "
                        "the predicted one; blue is right, red is wrong, shade = share of the row")

    def set_data(self, matrix: list[list[int]] | None, classes: list[str] | None) -> None:
        self.matrix = [list(map(int, row)) for row in (matrix or [])]
        self.classes = list(classes or [str(i) for i in range(len(self.matrix))])
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(320, 260)

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
        label_w = max(fm.horizontalAdvance(c) for c in self.classes) + 14
        top, left = fm.height() * 2 + 8, label_w + fm.height() + 6
        size = max(10.0, min((self.width() - left - 8) / n, (self.height() - top - 8) / n))
        grid = QRectF(left, top, size * n, size * n)
        bold = QFont(p.font())
        bold.setBold(True)
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
            p.drawText(QRectF(left + j * size, fm.height() + 4, size, fm.height()),
                       Qt.AlignmentFlag.AlignCenter, _elide(fm, c, size - 4))
        for i, row in enumerate(self.matrix):
            total = sum(row) or 1
            p.setPen(QColor("#3b4350"))
            p.drawText(QRectF(fm.height() + 4, top + i * size, label_w - 8, size),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self.classes[i])
            for j, count in enumerate(row):
                cell = QRectF(left + j * size, top + i * size, size, size)
                frac = count / total
                color = _shade(frac, i == j)
                p.fillRect(cell, color)
                p.setPen(QPen(QColor("#ffffff"), 2))
                p.drawRect(cell)
                p.setPen(QColor("#ffffff") if frac > 0.55 else QColor("#1f2937"))
                p.setFont(bold)
                p.drawText(cell, Qt.AlignmentFlag.AlignCenter, f"{count}\n{100 * frac:.0f}%")
                p.setFont(self.font())


def _elide(fm, text: str, width: float) -> str:
    return fm.elidedText(text, Qt.TextElideMode.ElideRight, int(width))
