"""The Diagnose page's control bar: run A (and optionally B), the folder, face cropping,
Diagnose / Cancel, progress and Export."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from faceviz_gui.gui.widgets.elided_label import ElidedLabel
from faceviz_gui.gui.widgets.run_pair_picker import RunPairPicker, run_label


class DiagnoseControls(QWidget):
    diagnoseClicked = Signal()
    cancelClicked = Signal()
    exportClicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.picker = RunPairPicker(run_label)
        self.picker.combo_a.setToolTip("The run to diagnose")
        self.picker.combo_b.setToolTip("A second run diagnosed on the same folder (e.g. after a fix)")
        self.use_b = QCheckBox("B side by side")
        self.use_b.setToolTip("Diagnose run B on the same folder too, to compare before and after")
        self.use_b.toggled.connect(self.picker.combo_b.setEnabled)
        self.picker.combo_b.setEnabled(False)
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("labelled folder: left/right/straight/up subfolders, or CMU format")
        self.folder.setMinimumWidth(150)
        browse = QToolButton()
        browse.setText("…")
        browse.setToolTip("Choose the folder")
        browse.clicked.connect(self._browse)
        self.crop = QCheckBox("Find and crop faces")
        self.crop.setChecked(True)
        self.crop.setToolTip("Find each face and crop it to CMU framing, as the Live page does")
        self.diagnose_button = QPushButton("Diagnose")
        self.diagnose_button.setDefault(True)
        self.diagnose_button.setShortcut("Ctrl+Return")
        self.diagnose_button.setToolTip("Run the diagnosis (Ctrl+Return)")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.export_button = QPushButton("Export…")
        self.export_button.setEnabled(False)
        self.export_button.setToolTip("Write the whole diagnosis as index.html with its PNGs "
                                      "(the same report as `faceviz diagnose`)")
        self.progress = QProgressBar()
        self.progress.setFixedWidth(160)
        self.progress.setVisible(False)
        self.status = ElidedLabel("")
        self.status.setStyleSheet("color: #3b4350;")
        self.diagnose_button.clicked.connect(self.diagnoseClicked)
        self.cancel_button.clicked.connect(self.cancelClicked)
        self.export_button.clicked.connect(self.exportClicked)

        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.picker)
        top.addWidget(self.use_b)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.setSpacing(6)
        bottom.addWidget(self.folder, 1)
        bottom.addWidget(browse)
        bottom.addWidget(self.crop)
        for w in (self.diagnose_button, self.cancel_button, self.progress, self.export_button):
            bottom.addWidget(w)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 4)
        lay.setSpacing(4)
        lay.addLayout(top)
        lay.addLayout(bottom)
        lay.addWidget(self.status)

    def _browse(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Labelled folder to diagnose", self.folder.text())
        if d:
            self.folder.setText(d)

    def set_busy(self, busy: bool) -> None:
        self.diagnose_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)
            self.export_button.setEnabled(False)

    def show_progress(self, done: int, total: int, message: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        if message:
            self.status.setText(message)
