"""The gallery's header row: which run, render progress and Stop, steps, zoom, Export."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QProgressBar, QPushButton, QToolButton, QWidget

from faceviz_gui.gui.widgets.elided_label import ElidedLabel

STEP_CHOICES = (64, 128, 256, 512)


class GalleryHeader(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.run_label = ElidedLabel("No run selected")
        self.run_label.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.steps_box = QComboBox()
        self.steps_box.setToolTip("Optimisation steps per map: more is sharper and slower")
        for n in STEP_CHOICES:
            self.steps_box.addItem(f"{n} steps", n)
        self.zoom_out, self.zoom_in = QToolButton(), QToolButton()
        self.zoom_out.setText("−")
        self.zoom_in.setText("+")
        self.zoom_out.setToolTip("Smaller maps (−)")
        self.zoom_in.setToolTip("Larger maps (+)")
        self.progress = QProgressBar()
        self.progress.setFixedWidth(200)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop rendering this layer")
        self.stop_button.setVisible(False)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Export this run's maps as PNG sheets, HTML or PDF")
        self.export_button.setEnabled(False)
        top = QHBoxLayout(self)
        top.setContentsMargins(10, 8, 10, 4)
        top.addWidget(self.run_label, 1)
        top.addWidget(self.progress)
        top.addWidget(self.stop_button)
        top.addSpacing(8)
        for w in (self.steps_box, self.zoom_out, self.zoom_in, self.export_button):
            top.addWidget(w)

    def set_busy(self, busy: bool) -> None:
        """Show the progress bar (indeterminate until the first report) and Stop."""
        if busy:
            self.progress.setRange(0, 0)
        self.progress.setVisible(busy)
        self.stop_button.setVisible(busy)

    @property
    def steps(self) -> int:
        return int(self.steps_box.currentData())

    def set_steps(self, n: int) -> None:
        i = self.steps_box.findData(int(n))
        if i < 0:
            self.steps_box.addItem(f"{n} steps", int(n))
            i = self.steps_box.count() - 1
        self.steps_box.setCurrentIndex(i)
