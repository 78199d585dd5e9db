"""MapGrid: every HappyMap of a layer as a zoomable, scrollable grid of tiles.

A custom QAbstractScrollArea that paints only the visible tiles from cached QPixmaps, so a
512-unit dense layer scrolls as smoothly as a 16-filter conv layer. Each tile goes through
three stages: a placeholder, then previews as the optimisation runs, then the final map with
its statistics. Dead filters get a red frame and corner mark; hovering says why.

Keys (as in DeepVis): arrows move between filters, Home/End jump, + and - zoom, Enter opens;
Page Up/Page Down are passed on as ``layerStepRequested(-1/+1)`` for the owner to change layer.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip

from faceviz_gui.core.maps.maptypes import FilterMap
from faceviz_gui.gui.widgets.image_utils import to_qimage
from faceviz_gui.gui.widgets.tile_painter import FINAL, PENDING, PREVIEW, TEXT, TEXT_DIM, paint_tile

TILE_SIZES = (48, 64, 80, 96, 128, 160, 200, 256, 320)

CANVAS = QColor("#1d1f23")


@dataclass
class Tile:
    index: int
    stage: str = PENDING
    image: np.ndarray | None = None
    step: int | None = None
    fmap: FilterMap | None = None
    pixmap: QPixmap | None = None    # native-size render of ``image`` in the current mode


class MapGrid(QAbstractScrollArea):
    currentChanged = Signal(int)
    activated = Signal(int)
    zoomChanged = Signal(int)
    layerStepRequested = Signal(int)

    MARGIN, GAP = 14, 12

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setFrameShape(QAbstractScrollArea.Shape.NoFrame)
        self.verticalScrollBar().setSingleStep(24)
        self._tiles: list[Tile] = []
        self._aspect = 30 / 32          # height / width of the maps
        self._tile_w = 96
        self._current = -1
        self._hover = -1
        self._stretched = False
        self._cmap = "grey"
        self._smooth = True
        self._title = ""
        self._empty_text = "No run selected"
        self._names: list[str] = []  # a name per unit (the decision layer's class names)

    # -- content ---------------------------------------------------------------------------
    def reset(self, count: int, image_size: tuple[int, int] | None = None, title: str = "") -> None:
        """``count`` placeholders; ``image_size`` is (H, W) of the maps to come."""
        self._tiles = [Tile(i) for i in range(count)]
        if image_size:
            self._aspect = image_size[0] / max(image_size[1], 1)
        self._title = title
        self._current = 0 if count else -1
        self._hover = -1
        self._relayout()
        self.verticalScrollBar().setValue(0)
        self.viewport().update()
        self.currentChanged.emit(self._current)

    def set_unit_names(self, names: list[str]) -> None:
        """Captions of the tiles: class names for a decision layer; [] for "#i"."""
        self._names = list(names)
        self.viewport().update()

    def unit_name(self, i: int) -> str:
        return self._names[i] if 0 <= i < len(self._names) else f"filter #{i}"

    def set_empty_text(self, text: str) -> None:
        self._empty_text = text
        self.viewport().update()

    def set_images(self, indices, images, step: int | None = None) -> None:
        """Preview images for some tiles; final maps are never downgraded to a preview."""
        for i, img in zip(indices, images):
            i = int(i)
            if 0 <= i < len(self._tiles) and self._tiles[i].stage != FINAL:
                t = self._tiles[i]
                t.stage, t.image, t.step, t.pixmap = PREVIEW, np.asarray(img), step, None
                self._aspect_from(t.image)
        self.viewport().update()

    def set_maps(self, maps: list[FilterMap]) -> None:
        if len(self._tiles) < len(maps):
            self._tiles += [Tile(i) for i in range(len(self._tiles), len(maps))]
            self._relayout()
        for m in maps:
            if 0 <= m.index < len(self._tiles):
                t = self._tiles[m.index]
                t.stage, t.image, t.fmap, t.step, t.pixmap = FINAL, m.image, m, None, None
                self._aspect_from(m.image)
        self.viewport().update()
        if 0 <= self._current < len(self._tiles):
            self.currentChanged.emit(self._current)  # the detail view may now show final stats

    def _aspect_from(self, img: np.ndarray) -> None:
        if img is not None and img.ndim == 2 and img.shape[1]:
            a = img.shape[0] / img.shape[1]
            if abs(a - self._aspect) > 1e-6:
                self._aspect = a
                self._relayout()

    # -- queries ---------------------------------------------------------------------------
    def count(self) -> int:
        return len(self._tiles)

    def stage(self, i: int) -> str:
        return self._tiles[i].stage

    def stage_counts(self) -> dict[str, int]:
        out = {PENDING: 0, PREVIEW: 0, FINAL: 0}
        for t in self._tiles:
            out[t.stage] += 1
        return out

    def final_count(self) -> int:
        return sum(t.stage == FINAL for t in self._tiles)

    def tile(self, i: int) -> Tile | None:
        return self._tiles[i] if 0 <= i < len(self._tiles) else None

    def current(self) -> int:
        return self._current

    def columns(self) -> int:
        avail = self.viewport().width() - 2 * self.MARGIN + self.GAP
        return max(1, avail // (self._tile_w + self.GAP))

    @property
    def tile_width(self) -> int:
        return self._tile_w

    # -- display options -------------------------------------------------------------------
    def set_display(self, stretched: bool | None = None, cmap: str | None = None,
                    smooth: bool | None = None) -> None:
        if stretched is not None:
            self._stretched = stretched
        if cmap is not None:
            self._cmap = cmap
        if smooth is not None:
            self._smooth = smooth
        for t in self._tiles:
            t.pixmap = None
        self.viewport().update()

    def set_current(self, i: int) -> None:
        if not self._tiles:
            return
        i = max(0, min(int(i), len(self._tiles) - 1))
        if i != self._current:
            self._current = i
            self.currentChanged.emit(i)
        self.ensure_visible(i)
        self.viewport().update()

    def set_tile_width(self, w: int) -> None:
        w = max(TILE_SIZES[0], min(int(w), TILE_SIZES[-1]))
        if w != self._tile_w:
            self._tile_w = w
            self._relayout()
            self.ensure_visible(self._current)
            self.viewport().update()
            self.zoomChanged.emit(w)

    def zoom_in(self) -> None:
        self.set_tile_width(next((s for s in TILE_SIZES if s > self._tile_w), TILE_SIZES[-1]))

    def zoom_out(self) -> None:
        self.set_tile_width(next((s for s in reversed(TILE_SIZES) if s < self._tile_w), TILE_SIZES[0]))

    # -- geometry --------------------------------------------------------------------------
    def _caption_h(self) -> int:
        return self.fontMetrics().height() + 6

    def _cell(self) -> QSize:
        img_h = round(self._tile_w * self._aspect)
        return QSize(self._tile_w, img_h + self._caption_h())

    def _header_h(self) -> int:
        return self.fontMetrics().height() + 14 if self._title else 0

    def tile_rect(self, i: int) -> QRect:
        """Rect of tile ``i``'s image in viewport coordinates."""
        cols, cell = self.columns(), self._cell()
        r, c = divmod(i, cols)
        x = self._x0() + c * (cell.width() + self.GAP)
        y = self.MARGIN + self._header_h() + r * (cell.height() + self.GAP)
        return QRect(x, y - self.verticalScrollBar().value(), cell.width(),
                     cell.height() - self._caption_h())

    def index_at(self, pos: QPoint) -> int:
        cols, cell = self.columns(), self._cell()
        x = pos.x() - self._x0()
        y = pos.y() + self.verticalScrollBar().value() - self.MARGIN - self._header_h()
        if x < 0 or y < 0:
            return -1
        c, r = x // (cell.width() + self.GAP), y // (cell.height() + self.GAP)
        if c >= cols or x % (cell.width() + self.GAP) >= cell.width() \
                or y % (cell.height() + self.GAP) >= cell.height():
            return -1
        i = r * cols + c
        return i if i < len(self._tiles) else -1

    def _x0(self) -> int:
        """Left edge of the grid: the spare width is split evenly, so the grid sits centred."""
        cols = min(self.columns(), max(len(self._tiles), 1))
        used = cols * (self._tile_w + self.GAP) - self.GAP
        return self.MARGIN + max(0, (self.viewport().width() - 2 * self.MARGIN - used) // 2)

    def _relayout(self) -> None:
        rows = -(-len(self._tiles) // self.columns()) if self._tiles else 0
        cell = self._cell()
        total = 2 * self.MARGIN + self._header_h() + rows * cell.height() + max(rows - 1, 0) * self.GAP
        sb = self.verticalScrollBar()
        sb.setRange(0, max(0, total - self.viewport().height()))
        sb.setPageStep(max(1, self.viewport().height()))

    def ensure_visible(self, i: int) -> None:
        if not 0 <= i < len(self._tiles):
            return
        r = self.tile_rect(i).adjusted(0, -self.GAP, 0, self._caption_h() + self.GAP)
        sb = self.verticalScrollBar()
        if r.top() < 0:
            sb.setValue(sb.value() + r.top())
        elif r.bottom() > self.viewport().height():
            sb.setValue(sb.value() + r.bottom() - self.viewport().height())

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        self._relayout()

    def sizeHint(self) -> QSize:
        return QSize(640, 480)

    # -- painting --------------------------------------------------------------------------
    def _pixmap(self, t: Tile) -> QPixmap | None:
        if t.image is None:
            return None
        if t.pixmap is None:
            t.pixmap = QPixmap.fromImage(to_qimage(t.image, self._stretched, self._cmap))
        return t.pixmap

    def paintEvent(self, e) -> None:
        p = QPainter(self.viewport())
        p.fillRect(self.viewport().rect(), CANVAS)
        if not self._tiles:
            p.setPen(TEXT_DIM)
            p.drawText(self.viewport().rect().adjusted(16, 16, -16, -16),
                       Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._empty_text)
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._smooth)
        if self._title:
            f = QFont(self.font())
            f.setBold(True)
            p.setFont(f)
            p.setPen(TEXT)
            # From the left margin, elided: a few centred tiles leave little room after _x0.
            width = self.viewport().width() - 2 * self.MARGIN
            p.drawText(QRect(self.MARGIN, self.MARGIN - self.verticalScrollBar().value(), width,
                             self._header_h()), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                       p.fontMetrics().elidedText(self._title, Qt.TextElideMode.ElideRight, width))
            p.setFont(self.font())
        cols, cell = self.columns(), self._cell()
        first_row = max(0, (self.verticalScrollBar().value() - self.MARGIN - self._header_h())
                        // (cell.height() + self.GAP))
        last_row = first_row + self.viewport().height() // (cell.height() + self.GAP) + 2
        for i in range(first_row * cols, min(len(self._tiles), (last_row + 1) * cols)):
            self._paint_tile(p, self._tiles[i], self.tile_rect(i))

    def _paint_tile(self, p: QPainter, t: Tile, r: QRect) -> None:
        paint_tile(p, t, r, self._pixmap(t), self.font(), self._caption_h(),
                   selected=t.index == self._current, hovered=t.index == self._hover,
                   name=self._names[t.index] if t.index < len(self._names) and
                   not self._names[t.index].startswith(("filter #", "unit #")) else "")

    # -- interaction -----------------------------------------------------------------------
    def tooltip_text(self, i: int) -> str:
        t = self._tiles[i]
        if t.fmap is None:
            return f"{self.unit_name(i)}: " + (f"preview at step {t.step}" if t.stage == PREVIEW
                                               else "rendering…")
        m = t.fmap
        lines = [f"<b>{self.unit_name(i)}</b>", f"activation reached: {m.activation:.4g}",
                 f"saturated pixels: {m.saturation:.0%}", f"high-frequency energy: {m.hf_energy:.0%}"]
        if m.dead:
            lines.insert(1, f"<span style='color:#e5484d'><b>dead</b>: {m.dead_reason or 'no reason given'}</span>")
        return "<br>".join(lines)

    def viewportEvent(self, e) -> bool:
        if e.type() == QEvent.Type.ToolTip:
            i = self.index_at(e.pos())
            if i >= 0:
                QToolTip.showText(e.globalPos(), self.tooltip_text(i), self.viewport())
            else:
                QToolTip.hideText()
                e.ignore()
            return True
        return super().viewportEvent(e)

    def mousePressEvent(self, e) -> None:
        i = self.index_at(e.position().toPoint())
        if i >= 0:
            self.set_current(i)
        self.setFocus()

    def mouseDoubleClickEvent(self, e) -> None:
        i = self.index_at(e.position().toPoint())
        if i >= 0:
            self.activated.emit(i)

    def mouseMoveEvent(self, e) -> None:
        i = self.index_at(e.position().toPoint())
        if i != self._hover:
            self._hover = i
            self.viewport().update()

    def leaveEvent(self, e) -> None:
        self._hover = -1
        self.viewport().update()
        super().leaveEvent(e)

    def wheelEvent(self, e) -> None:
        if e.modifiers() & Qt.KeyboardModifier.ControlModifier:
            (self.zoom_in if e.angleDelta().y() > 0 else self.zoom_out)()
            e.accept()
        else:
            super().wheelEvent(e)

    def keyPressEvent(self, e) -> None:
        k, cols, cur = e.key(), self.columns(), max(self._current, 0)
        moves = {Qt.Key.Key_Left: cur - 1, Qt.Key.Key_Right: cur + 1,
                 Qt.Key.Key_Up: cur - cols, Qt.Key.Key_Down: cur + cols,
                 Qt.Key.Key_Home: 0, Qt.Key.Key_End: len(self._tiles) - 1}
        if k in moves:
            target = moves[k]
            if 0 <= target < len(self._tiles):
                self.set_current(target)
        elif k in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif k in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_out()
        elif k == Qt.Key.Key_PageUp:
            self.layerStepRequested.emit(-1)
        elif k == Qt.Key.Key_PageDown:
            self.layerStepRequested.emit(1)
        elif k in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._current >= 0:
            self.activated.emit(self._current)
        else:
            super().keyPressEvent(e)
            return
        e.accept()
