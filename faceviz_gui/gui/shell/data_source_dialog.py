"""File > Data source…: synthetic faces, the imported CMU copy, or any folder."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)


def cmu_copy_dir() -> Path:
    """Where File > Import CMU data (and `faceviz data import`) puts the faces."""
    from faceviz_gui.core.data.sources import cmu_copy_dir as copy_dir
    return copy_dir()


class DataSourceDialog(QDialog):
    def __init__(self, current: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Data source")
        layout = QVBoxLayout(self)
        intro = QLabel("Training and analysis use this data set. Synthetic faces need no "
                       "download; the CMU faces come from the UCI archive (File > Import CMU data…).")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.synthetic = QRadioButton("Synthetic faces (built in, generated on the fly)")
        cmu = cmu_copy_dir()
        has_cmu = cmu.is_dir() and any(cmu.iterdir())
        self.cmu = QRadioButton(f"CMU faces copy: {cmu}" if has_cmu else
                                "CMU faces copy (not imported yet)")
        self.cmu.setEnabled(has_cmu)
        self.folder = QRadioButton("A folder (CMU layout, or photos in left/right/straight/up subfolders):")
        self.group = QButtonGroup(self)
        for b in (self.synthetic, self.cmu, self.folder):
            self.group.addButton(b)
            layout.addWidget(b)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setPlaceholderText("/path/to/faces")
        browse = QPushButton("Browse…")
        browse.setToolTip("Choose a folder of images")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        self.message = QLabel("")
        self.message.setProperty("role", "error")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.path.textEdited.connect(lambda _t: self.folder.setChecked(True))
        if not current or current == "synthetic":
            self.synthetic.setChecked(True)
        elif has_cmu and Path(current) == cmu:
            self.cmu.setChecked(True)
        else:
            self.folder.setChecked(True)
            self.path.setText(current)
        self.setMinimumWidth(560)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Data folder", self.path.text())
        if folder:
            self.path.setText(folder)
            self.folder.setChecked(True)

    def source(self) -> str:
        if self.synthetic.isChecked():
            return "synthetic"
        if self.cmu.isChecked():
            return str(cmu_copy_dir())
        return self.path.text().strip()

    def accept(self) -> None:
        if self.folder.isChecked():
            p = Path(self.path.text().strip()).expanduser()
            if not self.path.text().strip() or not p.is_dir():
                self.message.setText("Choose an existing folder.")
                return
        super().accept()
