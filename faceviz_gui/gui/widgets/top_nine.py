"""TopNine: the nine data-set images that excite a unit most, as a 3x3 grid with a note above.

Shared by the Gallery's map detail and the Live page's layer detail."""
from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from faceviz_gui.gui.widgets.image_canvas import ImageCanvas
from faceviz_gui.gui.widgets.image_utils import to_qimage


class TopNine(QWidget):
    def __init__(self, cell: QSize, spacing: int = 4, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.note = QLabel("")
        self.note.setStyleSheet("color: #5b6472;")
        self.note.setWordWrap(True)
        lay.addWidget(self.note)
        grid = QGridLayout()
        grid.setSpacing(spacing)
        self.cells: list[ImageCanvas] = []
        for i in range(9):
            c = ImageCanvas(min_size=cell)
            c.setMinimumHeight(cell.height())
            grid.addWidget(c, i // 3, i % 3)
            self.cells.append(c)
        lay.addLayout(grid, 1)

    def set_items(self, items, note: str = "") -> None:
        """``items``: up to nine (image (H, W) in [0, 1], box (x0, y0, x1, y1) or None, caption).

        None shows ``note`` (e.g. "Finding the images…") with empty cells."""
        self.note.setText(note)
        self.note.setVisible(bool(note))
        items = list(items or [])
        for i, c in enumerate(self.cells):
            if i < len(items):
                img, box, caption = items[i]
                c.set_image(to_qimage(img), [box] if box is not None else [], caption)
            else:
                c.set_placeholder("")

    def count(self) -> int:
        return sum(c.image() is not None for c in self.cells)
