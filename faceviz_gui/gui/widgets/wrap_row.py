"""WrapRow: widgets left to right, wrapping to a new line where the width runs out.

Pages must fit beside the experiment browser in a 1000-pixel window (about 590 px), yet use
one row of controls when they are wide.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QSizePolicy, QWidget


class WrapRow(QWidget):
    """Widgets left to right, wrapping to a new line where the width runs out.

    Widgets added with ``right=True`` are pushed to the right end of their line (the buttons),
    like a stretch before them in a QHBoxLayout. The minimum width is the widest widget, and
    the height follows the width (height-for-width), so the page takes a second line only
    when it is narrow. A widget placing its children itself, not a custom QLayout: a Python
    QLayout keeps wrappers of its QWidgetItems, and freeing those after the widgets (from
    whichever thread collects them) touches freed memory.
    """

    def __init__(self, parent=None, spacing: int = 8):
        super().__init__(parent)
        self._widgets: list[QWidget] = []
        self._right: list[bool] = []
        self._spacing = spacing
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def add(self, widget: QWidget, right: bool = False) -> None:
        widget.setParent(self)
        self._widgets.append(widget)
        self._right.append(right)
        self.updateGeometry()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(width, apply=False)

    def sizeHint(self) -> QSize:
        hints = [w.sizeHint() for w in self._widgets]
        width = sum(h.width() for h in hints) + self._spacing * max(0, len(hints) - 1)
        return QSize(width, max((h.height() for h in hints), default=0))

    def minimumSizeHint(self) -> QSize:
        # The widest widget's own minimum: a widget wider than the row gets the row's width.
        size = QSize(0, 0)
        for w in self._widgets:
            size = size.expandedTo(w.minimumSizeHint().expandedTo(w.minimumSize()))
        return size

    def resizeEvent(self, _event) -> None:
        self._place(self.width(), apply=True)

    def _lines(self, width: int) -> list[list[int]]:
        lines, line, used = [], [], 0
        for i, w in enumerate(self._widgets):
            need = w.sizeHint().width()
            if line and used + self._spacing + need > width:
                lines.append(line)
                line, used = [], 0
            used += (self._spacing if line else 0) + need
            line.append(i)
        if line:
            lines.append(line)
        return lines

    def _place(self, width: int, apply: bool) -> int:
        y = 0
        for line in self._lines(width):
            hints = [self._widgets[i].sizeHint() for i in line]
            height = max(h.height() for h in hints)
            widths = [min(h.width(), width) for h in hints]
            spare = width - sum(widths) - self._spacing * (len(line) - 1)
            x = 0
            for i, w, hint in zip(line, widths, hints):
                if self._right[i] and spare > 0:  # the first right-hand widget takes the spare
                    x += spare
                    spare = 0
                if apply:
                    self._widgets[i].setGeometry(QRect(QPoint(x, y + (height - hint.height()) // 2),
                                                       QSize(w, hint.height())))
                x += w + self._spacing
            y += height + self._spacing
        return max(0, y - self._spacing)
