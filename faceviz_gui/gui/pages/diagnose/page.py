"""DiagnosePanel: why a run fails on a folder of new faces (core/diagnose), shown.

Pick a run (and optionally a second one, B, e.g. after a fix), a labelled folder and whether
to find and crop faces, then Diagnose: the job runs on a worker with progress and Cancel. The
findings come first, in words; the sensitivity curves (A solid, B dashed, the training range
shaded) below them; beside them the embedding (hover a point to see its image), the mistakes
(click one to open it with its attention) and the attention and layer-shift charts. Export
writes the same standalone index.html as `faceviz diagnose`.
"""
from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from faceviz_gui.core.training.runs import Run, list_runs
from faceviz_gui.gui.pages.diagnose.controls import DiagnoseControls
from faceviz_gui.gui.pages.diagnose.embedding_view import EmbeddingView
from faceviz_gui.gui.pages.diagnose.jobs import diagnose_job, export_job
from faceviz_gui.gui.pages.diagnose.mistakes_view import MistakesView, rgb_qimage
from faceviz_gui.gui.pages.diagnose.sensitivity_view import SensitivityView
from faceviz_gui.gui.widgets.job_slot import JobSlot


def _findings_html(diag, title: str) -> str:
    if diag is None:
        return ""
    e = html.escape
    items = "".join(f"<li style='margin-bottom:4px'>{e(s)}</li>" for s in diag.findings)
    head = (f"<b>{e(title)}</b> {e(diag.experiment)} on {diag.n} images: accuracy "
            f"<b>{diag.accuracy:.2f}</b>")
    skipped = diag.folder.skipped
    if skipped:
        more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
        items += (f"<li style='color:#8a5a00'>Skipped {len(skipped)} file(s): "
                  + "; ".join(e(str(x)) for x in skipped[:10]) + f"{more}.</li>")
    return f"{head}<ul style='margin-left:-20px'>{items}</ul>"


class DiagnosePanel(QWidget):
    diagnosisShown = Signal()

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self.context = context
        self.diag_a = self.diag_b = None
        self.job = JobSlot(self)
        self.export_slot = JobSlot(self)
        self.last_export = ""
        self._build()
        self.refresh_runs()
        context.runsChanged.connect(self.refresh_runs)

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.controls = DiagnoseControls()
        self.controls.diagnoseClicked.connect(self.start)
        self.controls.cancelClicked.connect(self.cancel)
        self.controls.exportClicked.connect(self._export_clicked)
        self.findings_a, self.findings_b = QLabel(), QLabel()
        for lab in (self.findings_a, self.findings_b):
            lab.setWordWrap(True)
            lab.setTextFormat(Qt.TextFormat.RichText)
            lab.setAlignment(Qt.AlignmentFlag.AlignTop)
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.findings_a.setText("Pick a run and a labelled folder (photos in left, right, straight "
                                "and up subfolders, or CMU format) and press Diagnose.<br><br>The "
                                "findings say in words which factors break the network; the curves "
                                "below show how accuracy moves as each factor is varied.")
        self.findings_b.setVisible(False)
        frow = QHBoxLayout()
        frow.addWidget(self.findings_a, 1)
        frow.addWidget(self.findings_b, 1)
        fbox = QWidget()
        fbox.setLayout(frow)
        fscroll = QScrollArea()
        fscroll.setWidget(fbox)
        fscroll.setWidgetResizable(True)
        fscroll.setMinimumHeight(150)
        self.sensitivity = SensitivityView()
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(fscroll)
        left.addWidget(self.sensitivity)
        left.setSizes([250, 500])

        self.show_side = QComboBox()
        self.show_side.addItems(["Run A", "Run B"])
        self.show_side.setToolTip("Which run's embedding, mistakes and charts to show")
        self.show_side.setVisible(False)
        self.show_side.currentIndexChanged.connect(lambda _: self._show_side())
        self.embedding = EmbeddingView()
        self.mistakes = MistakesView()
        self.embedding.clicked.connect(lambda i: self.mistakes.open_image(i))
        self.charts = QLabel()
        self.charts.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        charts_scroll = QScrollArea()
        charts_scroll.setWidget(self.charts)
        charts_scroll.setWidgetResizable(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.embedding, "Embedding")
        self.tabs.addTab(self.mistakes, "Mistakes")
        self.tabs.addTab(charts_scroll, "Attention && layers")
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.show_side, 0, Qt.AlignmentFlag.AlignRight)
        rl.addWidget(self.tabs, 1)

        self.right = right
        right.setVisible(False)          # nothing to show until a diagnosis exists
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setSizes([700, 500])
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 6)
        lay.addWidget(self.controls)
        lay.addWidget(self.splitter, 1)

    def refresh_runs(self) -> None:
        runs = [r for r in list_runs(self.context.runs_root) if r.has_weights]
        self.controls.picker.fill(runs)

    # -- the job ------------------------------------------------------------------------------
    def start(self, folder: str | None = None) -> None:
        if folder:
            self.controls.folder.setText(folder)
        root = self.controls.folder.text().strip()
        a_path, b_path = self.controls.picker.paths()
        if not a_path:
            self.controls.status.setText("No trained run to diagnose: train one first.")
            return
        if not root:
            self.controls.status.setText("Choose a labelled folder first.")
            return
        run_b = Run(b_path) if (self.controls.use_b.isChecked() and b_path) else None
        self.controls.set_busy(True)
        self.controls.status.setText("Starting…")
        self.job.start(diagnose_job, self.context, Run(a_path), run_b, root,
                       self.controls.crop.isChecked(), on_progress=self._progress,
                       on_finished=self._finished, on_failed=self._failed)

    def cancel(self) -> None:
        self.job.cancel()
        self.controls.set_busy(False)
        self.controls.status.setText("Cancelled.")

    def _progress(self, r: dict) -> None:
        if r.get("kind") == "progress" and "total" in r and r.get("total", 0) > 1:
            side = " (B)" if r.get("side") == "b" else ""
            self.controls.show_progress(int(r.get("done", 0)), int(r["total"]),
                                        str(r.get("message", "")) + side)

    def _failed(self, message: str) -> None:
        self.controls.set_busy(False)
        self.controls.status.setText(message.splitlines()[0])
        QMessageBox.warning(self, "Diagnosis failed", message)

    def _finished(self, result) -> None:
        self.controls.set_busy(False)
        a, b = result
        self.show_diagnoses(a, b)
        seconds = a.timings.get("total", 0.0) + (b.timings.get("total", 0.0) if b else 0.0)
        stopped = " (stopped early)" if a.stopped or (b is not None and b.stopped) else ""
        skipped = f"; {len(a.folder.skipped)} file(s) skipped" if a.folder.skipped else ""
        self.controls.status.setText(f"Diagnosed {a.n} images in {seconds:.1f} s{skipped}{stopped}")

    def show_diagnoses(self, a, b=None) -> None:
        self.diag_a, self.diag_b = a, b
        self.findings_a.setText(_findings_html(a, "A:" if b is not None else ""))
        self.findings_b.setText(_findings_html(b, "B:"))
        self.findings_b.setVisible(b is not None)
        self.show_side.setVisible(b is not None)
        self.show_side.setCurrentIndex(0)
        self.sensitivity.set_diagnoses(a, b)
        self.right.setVisible(True)
        self._show_side()
        self.controls.export_button.setEnabled(not a.stopped)
        self.diagnosisShown.emit()

    def current(self):
        return self.diag_b if (self.show_side.currentIndex() == 1 and self.diag_b) else self.diag_a

    def _show_side(self) -> None:
        d = self.current()
        if d is None:
            return
        self.embedding.set_diagnosis(d)
        self.mistakes.set_diagnosis(d)
        self.tabs.setTabText(1, f"Mistakes ({len(d.mistakes()) if not d.stopped else 0})")
        self.charts.setPixmap(self._charts_pixmap(d))

    def _charts_pixmap(self, d) -> QPixmap:
        if d.stopped:
            return QPixmap()
        from faceviz_gui.core.diagnose.report_html import pictures
        pics = pictures(d)
        parts = [np.asarray(pics[k].convert("RGB")) for k in ("attention", "layers") if k in pics]
        width = max(p.shape[1] for p in parts)
        padded = [np.pad(p, ((0, 12), (0, width - p.shape[1]), (0, 0)), constant_values=255) for p in parts]
        return QPixmap.fromImage(rgb_qimage(np.concatenate(padded)))

    # -- export -------------------------------------------------------------------------------
    def _export_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the diagnosis report")
        if folder:
            self.export_to(folder)

    def export_to(self, folder: str) -> None:
        if self.diag_a is None:
            return
        self.controls.status.setText(f"Writing the report to {folder}…")
        self.export_slot.start(export_job, self.diag_a, self.diag_b, folder,
                               on_finished=self._exported, on_failed=self._failed)

    def _exported(self, index: str) -> None:
        self.last_export = index
        self.controls.status.setText(f"Report written: {index}")
        self.context.show_status(f"Diagnosis report written: {index}")
