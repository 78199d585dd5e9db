"""Layout helpers of the Training page: the status line (WrapRow, the controls row that wraps,
now lives in widgets/wrap_row.py for the Compare page too).

The page must fit beside the experiment browser in a 1000-pixel window (about 590 px), yet
use one row of controls when it is wide.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from faceviz_gui.gui.widgets.wrap_row import WrapRow  # noqa: F401  (the page imports it here)


def fmt_seconds(s: float | None) -> str:
    """m:ss, or h:mm:ss past an hour; "?" when unknown."""
    if s is None or s != s or s < 0:
        return "?"
    s = int(round(s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


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
