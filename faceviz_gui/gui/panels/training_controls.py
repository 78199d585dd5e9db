"""Layout helpers of the Training page: a controls row that wraps, and a status line.

The page must fit beside the experiment browser in a 1000-pixel window (about 590 px), yet
use one row of controls when it is wide.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLayout, QSizePolicy, QWidget


class WrapRow(QLayout):
    """Widgets left to right, wrapping to a new line where the width runs out.

    Items added with ``right=True`` are pushed to the right end of their line (the buttons),
    like a stretch before them in a QHBoxLayout. The minimum width is the widest item, and the
    height follows the width (height-for-width), so the page asks for a second line only when
    it is narrow.
    """

    def __init__(self, parent=None, spacing: int = 8):
        super().__init__(parent)
        self._items = []
        self._right: list[bool] = []
        self.setContentsMargins(0, 0, 0, 0)
        self.setSpacing(spacing)

    def add(self, widget: QWidget, right: bool = False) -> None:
        self._right_next = right
        self.addWidget(widget)

    def addItem(self, item) -> None:
        self._items.append(item)
        self._right.append(getattr(self, "_right_next", False))
        self._right_next = False

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, i):
        return self._items[i] if 0 <= i < len(self._items) else None

    def takeAt(self, i):
        if 0 <= i < len(self._items):
            self._right.pop(i)
            return self._items.pop(i)
        return None

    def expandingDirections(self):
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, apply=True)

    def sizeHint(self) -> QSize:
        hints = [it.sizeHint() for it in self._items]
        w = sum(h.width() for h in hints) + self.spacing() * max(0, len(hints) - 1)
        return QSize(w, max((h.height() for h in hints), default=0))

    def minimumSize(self) -> QSize:
        size = QSize()
        for it in self._items:
            size = size.expandedTo(it.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _lines(self, width: int) -> list[list[int]]:
        lines, line, used = [], [], 0
        for i, it in enumerate(self._items):
            w = it.sizeHint().width()
            if line and used + self.spacing() + w > width:
                lines.append(line)
                line, used = [], 0
            used += (self.spacing() if line else 0) + w
            line.append(i)
        if line:
            lines.append(line)
        return lines

    def _place(self, rect: QRect, apply: bool) -> int:
        y = rect.y()
        for line in self._lines(rect.width()):
            hints = [self._items[i].sizeHint() for i in line]
            height = max(h.height() for h in hints)
            widths = [min(h.width(), rect.width()) for h in hints]
            spare = rect.width() - sum(widths) - self.spacing() * (len(line) - 1)
            x = rect.x()
            for i, w in zip(line, widths):
                if self._right[i] and spare > 0:  # the first right item takes the spare room
                    x += spare
                    spare = 0
                if apply:
                    self._items[i].setGeometry(QRect(QPoint(x, y + (height - self._items[i].sizeHint().height()) // 2),
                                                     QSize(w, self._items[i].sizeHint().height())))
                x += w + self.spacing()
            y += height + self.spacing()
        return max(0, y - rect.y() - self.spacing())


class StatusLine(QWidget):
    """One line of text, elided at the right, the whole of it in the tooltip.

    Setting the text only repaints: it changes ten times a second while training, and a
    label whose size hint may change asks for a relayout of the whole page each time.
    """

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        self._text = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.setToolTip(text)
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, self.fontMetrics().height() + 6)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, self.fontMetrics().height() + 6)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setPen(self.palette().windowText().color())
        r = self.rect().adjusted(2, 0, 0, 0)
        p.drawText(r, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight, r.width()))
