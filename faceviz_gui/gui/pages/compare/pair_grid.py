"""PairGrid: matched units of two runs, their HappyMaps side by side with the correlation.

Each card holds unit i of run A, its partner j in run B, and a bar for their activation
correlation; pairs below the match threshold are dimmed ("no good partner"). Maps arrive
later than the pairs (rendered in a worker), so a card shows placeholders until then.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QAbstractScrollArea

from faceviz_gui.gui.widgets.image_utils import to_qimage

CANVAS = QColor("#1d1f23")
CARD = QColor("#2b2e34")
TEXT = QColor("#d5d8dd")
DIM = QColor("#80858e")
GOOD = QColor("#3fb950")
WEAK = QColor("#d29922")


class PairGrid(QAbstractScrollArea):
    MARGIN, GAP, PAD = 12, 10, 6

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFrameShape(QAbstractScrollArea.Shape.NoFrame)
        self.verticalScrollBar().setSingleStep(24)
        self.setMouseTracking(True)
        self._pairs: list[tuple[int, int, float, bool]] = []
        self._img: dict[str, dict[int, np.ndarray]] = {"a": {}, "b": {}}
        self._pix: dict[tuple[str, int], QPixmap] = {}
        self._tile = 84
        self._aspect = (30 / 32, 30 / 32)
        self._empty = ""
        self._stretched = False

    def set_stretched(self, on: bool) -> None:
        self._stretched = bool(on)
        self._pix.clear()
        self.viewport().update()

    def set_pairs(self, pairs, threshold: float, aspect_a: float = 30 / 32, aspect_b: float = 30 / 32,
                  names_a: list[str] | None = None, names_b: list[str] | None = None) -> None:
        """``pairs``: (unit in A, unit in B, correlation); best first on screen. ``names_*``:
        the units' names where they have one (the decision layer's classes), else "#i"."""
        self._names = (list(names_a or []), list(names_b or []))
        self._pairs = sorted(((int(i), int(j), float(c), c >= threshold) for i, j, c in pairs),
                             key=lambda p: -p[2] if p[2] == p[2] else 1.0)
        self._img = {"a": {}, "b": {}}
        self._pix.clear()
        self._aspect = (aspect_a, aspect_b)
        self.verticalScrollBar().setValue(0)
        self._relayout()
        self.viewport().update()

    def unit_name(self, side: int, i: int) -> str:
        names = getattr(self, "_names", ([], []))[side]
        return names[i] if 0 <= i < len(names) else f"#{i}"

    def set_images(self, side: str, indices, images) -> None:
        for i, img in zip(indices, images):
            self._img[side][int(i)] = np.asarray(img)
            self._pix.pop((side, int(i)), None)
        self.viewport().update()

    def clear(self, text: str = "") -> None:
        self._pairs, self._empty = [], text
        self._img = {"a": {}, "b": {}}
        self._pix.clear()
        self._relayout()
        self.viewport().update()

    def pairs(self) -> list[tuple[int, int, float, bool]]:
        return list(self._pairs)

    def images_shown(self) -> int:
        """Cards with both maps in place."""
        return sum(i in self._img["a"] and j in self._img["b"] for i, j, _, _ in self._pairs)

    # -- geometry ------------------------------------------------------------------------------
    def _card(self) -> QSize:
        h = round(self._tile * max(self._aspect))
        return QSize(2 * self._tile + 3 * self.PAD, h + 2 * self.PAD + 2 * self.fontMetrics().height() + 6)

    def _cols(self) -> int:
        return max(1, (self.viewport().width() - 2 * self.MARGIN + self.GAP) // (self._card().width() + self.GAP))

    def _relayout(self) -> None:
        rows = -(-len(self._pairs) // self._cols()) if self._pairs else 0
        total = 2 * self.MARGIN + rows * (self._card().height() + self.GAP)
        self.verticalScrollBar().setRange(0, max(0, total - self.viewport().height()))
        self.verticalScrollBar().setPageStep(self.viewport().height())

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        self._relayout()

    def sizeHint(self) -> QSize:
        return QSize(560, 360)

    def card_rect(self, k: int) -> QRect:
        cols, card = self._cols(), self._card()
        used = cols * (card.width() + self.GAP) - self.GAP
        x0 = self.MARGIN + max(0, (self.viewport().width() - 2 * self.MARGIN - used) // 2)
        r, c = divmod(k, cols)
        return QRect(x0 + c * (card.width() + self.GAP),
                     self.MARGIN + r * (card.height() + self.GAP) - self.verticalScrollBar().value(),
                     card.width(), card.height())

    # -- painting ------------------------------------------------------------------------------
    def _pixmap(self, side: str, i: int) -> QPixmap | None:
        img = self._img[side].get(i)
        if img is None:
            return None
        key = (side, i)
        if key not in self._pix:
            self._pix[key] = QPixmap.fromImage(to_qimage(img, self._stretched))
        return self._pix[key]

    def paintEvent(self, e) -> None:
        p = QPainter(self.viewport())
        p.fillRect(self.viewport().rect(), CANVAS)
        if not self._pairs:
            p.setPen(DIM)
            p.drawText(self.viewport().rect().adjusted(16, 16, -16, -16),
                       Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._empty)
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        vh = self.viewport().height()
        for k, pair in enumerate(self._pairs):
            r = self.card_rect(k)
            if r.bottom() < 0 or r.top() > vh:
                continue
            self._paint_card(p, r, *pair)

    def _paint_card(self, p: QPainter, r: QRect, i: int, j: int, corr: float, good: bool) -> None:
        p.setOpacity(1.0 if good else 0.55)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(CARD)
        p.drawRoundedRect(QRectF(r), 6, 6)
        fm = self.fontMetrics()
        for n, (side, unit) in enumerate((("a", i), ("b", j))):
            h = round(self._tile * self._aspect[n])
            box = QRect(r.left() + self.PAD + n * (self._tile + self.PAD), r.top() + self.PAD, self._tile, h)
            pm = self._pixmap(side, unit)
            if pm is not None:
                p.drawPixmap(box, pm)
            else:
                p.fillRect(box, QColor("#3a3e46"))
                p.setPen(DIM)
                p.drawText(box, Qt.AlignmentFlag.AlignCenter, "…")
        y = r.top() + self.PAD + round(self._tile * max(self._aspect)) + 4
        p.setPen(TEXT)
        p.drawText(QRect(r.left() + self.PAD, y, r.width() - 2 * self.PAD, fm.height()),
                   Qt.AlignmentFlag.AlignLeft, f"A {self.unit_name(0, i)}")
        p.drawText(QRect(r.left() + self.PAD, y, r.width() - 2 * self.PAD, fm.height()),
                   Qt.AlignmentFlag.AlignRight, f"B {self.unit_name(1, j)}")
        y += fm.height() + 2
        bar = QRectF(r.left() + self.PAD, y + fm.height() / 2 - 3, r.width() * 0.45, 6)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#454a53"))
        p.drawRoundedRect(bar, 3, 3)
        frac = max(0.0, min(1.0, corr)) if corr == corr else 0.0
        p.setBrush(GOOD if good else WEAK)
        p.drawRoundedRect(QRectF(bar.left(), bar.top(), bar.width() * frac, bar.height()), 3, 3)
        p.setPen(TEXT if good else WEAK)
        label = f"r = {corr:.2f}"
        p.drawText(QRect(int(bar.right()) + 6, int(y), r.right() - int(bar.right()) - self.PAD - 6, fm.height()),
                   Qt.AlignmentFlag.AlignRight, label)
        p.setOpacity(1.0)
        p.setPen(QPen(Qt.PenStyle.NoPen))
