"""Painting one MapGrid tile; kept apart so the grid's own file is about layout and input."""
from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QPixmap

PENDING, PREVIEW, FINAL = "pending", "preview", "final"
TILE_BG = QColor("#2b2e34")
TEXT = QColor("#c9ccd1")
TEXT_DIM = QColor("#7d828b")
DEAD = QColor("#e5484d")
SELECT = QColor("#4c9aff")


def paint_tile(p: QPainter, t, r: QRect, pm: QPixmap | None, font: QFont, caption_h: int,
               selected: bool, hovered: bool, name: str = "") -> None:
    """One tile: the map (or a placeholder), preview badge, dead mark, selection, caption."""
    dead = t.fmap is not None and t.fmap.dead
    path = QPainterPath()
    path.addRoundedRect(QRectF(r), 4, 4)
    p.fillPath(path, TILE_BG)
    if pm is not None:
        p.save()
        p.setClipPath(path)
        p.setOpacity(0.8 if t.stage == PREVIEW else 1.0)
        p.drawPixmap(r, pm)
        p.restore()
    else:
        p.setPen(TEXT_DIM)
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, "…")
    if t.stage == PREVIEW and t.step is not None and r.width() >= 64:
        _badge(p, r, f"step {t.step}", font)
    if dead:
        p.setPen(QPen(DEAD, 2))
        p.drawRoundedRect(QRectF(r).adjusted(1, 1, -1, -1), 4, 4)
        s = max(10, r.width() // 6)
        tri = QPainterPath()
        tri.moveTo(r.right() - s, r.top() + 1)
        tri.lineTo(r.right(), r.top() + 1)
        tri.lineTo(r.right(), r.top() + 1 + s)
        tri.closeSubpath()
        p.fillPath(tri, DEAD)
    if selected:
        p.setPen(QPen(SELECT, 3))
        p.drawRoundedRect(QRectF(r).adjusted(-3, -3, 3, 3), 6, 6)
    elif hovered:
        p.setPen(QPen(QColor(255, 255, 255, 90), 1.5))
        p.drawRoundedRect(QRectF(r).adjusted(-2, -2, 2, 2), 5, 5)
    cap = QRect(r.left(), r.bottom() + 3, r.width(), caption_h - 3)
    p.setPen(DEAD if dead else TEXT)
    p.drawText(cap, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name or f"#{t.index}")
    if t.fmap is not None and r.width() >= 64:
        p.setPen(DEAD if dead else TEXT_DIM)
        right = "dead" if dead else f"{t.fmap.activation:.3g}"
        p.drawText(cap, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, right)


def _badge(p: QPainter, r: QRect, text: str, font: QFont) -> None:
    f = QFont(font)
    f.setPointSizeF(max(6.5, f.pointSizeF() * 0.8))
    p.setFont(f)
    w = p.fontMetrics().horizontalAdvance(text) + 8
    h = p.fontMetrics().height() + 2
    b = QRect(r.right() - w - 3, r.bottom() - h - 3, w, h)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(0, 0, 0, 160))
    p.drawRoundedRect(b, 3, 3)
    p.setPen(QColor("#e8e8e8"))
    p.drawText(b, Qt.AlignmentFlag.AlignCenter, text)
    p.setFont(font)
