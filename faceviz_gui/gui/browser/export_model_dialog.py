"""ExportModelDialog: write a run's network as ONNX or TorchScript for a device, and show what
the check found: file size, the largest difference from torch on the run's test images, and
the latency per image (ONNX Runtime on the CPU for ONNX). The export runs on a worker."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from faceviz_gui.core.training.runs import Run
from faceviz_gui.gui.widgets.job_slot import JobSlot

FORMATS = (("onnx", "ONNX (.onnx): ONNX Runtime, mobile and web runtimes", ".onnx"),
           ("torchscript", "TorchScript (.pt): PyTorch without Python code", ".pt"))


def export_job(run, fmt: str, out: str, data=None, reporter=None) -> dict:
    from faceviz_gui.core.prune.export_model import export_model
    return export_model(run, fmt, out, data, reporter)


def human_bytes(n) -> str:
    if not isinstance(n, (int, float)):
        return "–"
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n} bytes"


class ExportModelDialog(QDialog):
    def __init__(self, run_path: str, context=None, parent=None, data=None):
        super().__init__(parent)
        self.run, self.context, self.data = Run(run_path), context, data
        self.result: dict | None = None
        self.slot = JobSlot(self)
        self.setWindowTitle(f"Export model: {self.run.id}")
        self.resize(560, 260)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.format = QComboBox()
        for key, text, _ext in FORMATS:
            self.format.addItem(text, key)
        self.path = QLineEdit(str(Path.home() / f"{self.run.id}.onnx"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow("Format:", self.format)
        form.addRow("File:", row)
        layout.addLayout(form)
        note = QLabel("The file states its preprocessing (input size, normalisation, class "
                      "names) and is checked against PyTorch on the run's test images.")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.outcome = QLabel("")
        self.outcome.setWordWrap(True)
        layout.addWidget(self.progress)
        layout.addWidget(self.outcome, 1)
        buttons = QHBoxLayout()
        self.export_button = QPushButton("Export")
        close = QPushButton("Close")
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.export_button.clicked.connect(self.export)
        close.clicked.connect(self.reject)
        self.format.currentIndexChanged.connect(self._fix_extension)

    def _fix_extension(self, *_) -> None:
        ext = FORMATS[self.format.currentIndex()][2]
        p = Path(self.path.text())
        if p.suffix.lower() in (".onnx", ".pt"):
            self.path.setText(str(p.with_suffix(ext)))

    def browse(self) -> None:
        ext = FORMATS[self.format.currentIndex()][2]
        name, _ = QFileDialog.getSaveFileName(self, "Export model to", self.path.text(),
                                              f"Model files (*{ext});;All files (*)")
        if name:
            self.path.setText(name)

    def export(self) -> None:
        self.export_button.setEnabled(False)
        self.progress.setVisible(True)
        self.outcome.setText("Exporting and checking…")
        self.slot.start(export_job, self.run, self.format.currentData(), self.path.text().strip(),
                        self.data, on_finished=self._done, on_failed=self._failed)

    def _done(self, result: dict) -> None:
        self.result = result
        self.progress.setVisible(False)
        self.export_button.setEnabled(True)
        self.outcome.setText(
            f"Wrote <b>{result['path']}</b><br>size {human_bytes(result['bytes'])}; largest "
            f"difference from PyTorch {result['max_abs_diff']:.1e} on {result['n_verified']} "
            f"test images; <b>{result['latency_ms']:.3f} ms per image</b> "
            f"({result['latency_runtime']})")
        if self.context is not None:   # the browser relists: the run's details show the figures
            self.context.runsChanged.emit()

    def _failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self.export_button.setEnabled(True)
        self.outcome.setText(f"<span style='color:#b42318'>{message.splitlines()[0]}</span>")

    def reject(self) -> None:
        self.slot.cancel()
        super().reject()
