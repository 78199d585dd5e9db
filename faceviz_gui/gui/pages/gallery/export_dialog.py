"""ExportDialog: a run's HappyMaps to PNG sheets and maps, a standalone HTML page and a PDF.

One worker renders every chosen layer (render_layer; cached layers cost nothing) and then
writes them with export_gallery. The progress bar spans both stages; Cancel stops the job
within a step or two and leaves only whole files behind. When it is done the dialog offers
to open the folder.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from faceviz_gui.core.export.writers import FORMATS as CORE_FORMATS
from faceviz_gui.core.paths import user_home
from faceviz_gui.core.training.runs import Run, list_runs
from faceviz_gui.gui.widgets.job_slot import JobSlot
from faceviz_gui.gui.widgets.layer_names import map_layers
from faceviz_gui.gui.widgets.run_pair_picker import run_label

FORMAT_TEXT = {
    "png": "PNG: a sheet per layer and every map as its own file",
    "sheets": "PNG sheets: one grid per layer, dead filters marked",
    "maps": "Per-filter PNGs: every map as its own file",
    "html": "HTML: one standalone page with all layers and statistics",
    "pdf": "PDF: the sheets, one page per layer",
}
# Whatever export_gallery accepts, in its order (it may split "png" into sheets and maps).
FORMATS = tuple((k, FORMAT_TEXT.get(k, k.upper())) for k in CORE_FORMATS)
VARIANTS = (("raw", "Raw"), ("stretched", "Contrast-stretched"))


class _Stage:
    """Maps one stage's reports onto the whole job's 0..1000 scale."""

    def __init__(self, reporter, start: float, span: float, label: str):
        self.r, self.start, self.span, self.label = reporter, start, span, label

    def report(self, **v) -> None:
        if v.get("kind") == "progress" and v.get("total"):
            frac = self.start + self.span * v.get("done", 0) / v["total"]
            self.r.report(kind="progress", done=int(1000 * frac), total=1000,
                          message=f"{self.label}: {v.get('message', '')}".rstrip(": "))

    def should_stop(self) -> bool:
        return self.r.should_stop()


def export_job(run, layers: list[str], out_dir: str, formats: list[str], variants: list[str],
               steps: int, device: str = "cpu", reporter=None) -> dict:
    """Render (or fetch from the cache) each layer, then write the gallery. Pool thread."""
    from faceviz_gui.core.export.writers import export_gallery
    from faceviz_gui.core.maps.happymaps import render_layer
    share = 0.8 / max(len(layers), 1)          # rendering dominates; writing is the last 20%
    maps = []
    for n, layer in enumerate(layers):
        stage = _Stage(reporter, n * share, share, f"Rendering {layer} ({n + 1} of {len(layers)})")
        lm = render_layer(run, layer, steps=steps, device=device, reporter=stage)
        if reporter.should_stop():
            return {"stopped": True, "files": [], "out_dir": out_dir}
        maps.append(lm)
    files = export_gallery(run, maps, out_dir, formats, variants, _Stage(reporter, 0.8, 0.2, "Writing"))
    return {"stopped": reporter.should_stop(), "files": [str(f) for f in files], "out_dir": out_dir}


class ExportDialog(QDialog):
    def __init__(self, context, parent=None, run: Run | None = None, layers: list[str] | None = None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Export HappyMaps")
        self.setMinimumWidth(560)
        self.slot = JobSlot(self)
        self.result: dict | None = None
        self._problem_shown = False
        self._steps = int(context.settings.value("gallery/steps", 256))
        self._build()
        self._fill_runs(run)
        if layers:
            self.set_layers(layers)
        self._validate()

    # -- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        form = QFormLayout()
        form.setVerticalSpacing(10)
        self.run_box = QComboBox()
        self.run_box.currentIndexChanged.connect(self._run_changed)
        form.addRow("Run", self.run_box)

        self.layer_list = QListWidget()
        self.layer_list.setMinimumHeight(150)
        self.layer_list.itemChanged.connect(self._validate)
        all_b, none_b = QToolButton(), QToolButton()
        all_b.setText("All")
        none_b.setText("None")
        all_b.clicked.connect(lambda: self._check_all(True))
        none_b.clicked.connect(lambda: self._check_all(False))
        lay_col = QVBoxLayout()
        lay_col.setContentsMargins(0, 0, 0, 0)
        lay_col.addWidget(self.layer_list)
        row = QHBoxLayout()
        row.addWidget(all_b)
        row.addWidget(none_b)
        row.addStretch(1)
        lay_col.addLayout(row)
        holder = QWidget()
        holder.setLayout(lay_col)
        form.addRow("Layers", holder)

        fmt_col = QVBoxLayout()
        self.format_boxes: dict[str, QCheckBox] = {}
        for key, text in FORMATS:
            cb = QCheckBox(text)
            cb.setChecked(True)
            cb.toggled.connect(self._validate)
            self.format_boxes[key] = cb
            fmt_col.addWidget(cb)
        form.addRow("Formats", _wrap(fmt_col))
        var_row = QHBoxLayout()
        self.variant_boxes: dict[str, QCheckBox] = {}
        for key, text in VARIANTS:
            cb = QCheckBox(text)
            cb.setChecked(True)
            cb.toggled.connect(self._validate)
            self.variant_boxes[key] = cb
            var_row.addWidget(cb)
        var_row.addStretch(1)
        form.addRow("Variants", _wrap(var_row))

        self.folder = QLineEdit()
        self.folder.textChanged.connect(self._validate)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        frow = QHBoxLayout()
        frow.addWidget(self.folder, 1)
        frow.addWidget(browse)
        form.addRow("Folder", _wrap(frow))

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setVisible(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #3b4350;")
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.open_button = QPushButton("Open folder")
        self.open_button.setVisible(False)
        self.close_button = QPushButton("Close")
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.cancel)
        self.open_button.clicked.connect(self.open_folder)
        self.close_button.clicked.connect(self.reject)
        self.cancel_button.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        for b in (self.cancel_button, self.close_button, self.export_button):
            buttons.addWidget(b)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 14, 16, 14)
        lay.addLayout(form)
        lay.addSpacing(6)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addLayout(buttons)

    def _fill_runs(self, run: Run | None) -> None:
        runs = [r for r in list_runs(self.context.runs_root) if r.has_weights]
        want = str(run.path) if run is not None else (self.context.current_run or "")
        if run is not None and all(r.path != run.path for r in runs):
            runs.append(run)
        self.run_box.blockSignals(True)
        for r in reversed(runs):
            self.run_box.addItem(run_label(r), str(r.path))
            self.run_box.setItemData(self.run_box.count() - 1, r.id, Qt.ItemDataRole.ToolTipRole)
        i = self.run_box.findData(want)
        self.run_box.setCurrentIndex(max(i, 0))
        self.run_box.blockSignals(False)
        self._run_changed()

    # -- state -----------------------------------------------------------------------------------
    def run(self) -> Run | None:
        path = self.run_box.currentData()
        return Run(path) if path else None

    def set_steps(self, steps: int) -> None:
        """Optimisation steps per map (the gallery's, so its cached layers are reused)."""
        self._steps = int(steps)

    def set_layers(self, names: list[str]) -> None:
        for i in range(self.layer_list.count()):
            it = self.layer_list.item(i)
            it.setCheckState(Qt.CheckState.Checked if it.data(Qt.ItemDataRole.UserRole) in names
                             else Qt.CheckState.Unchecked)

    def layers(self) -> list[str]:
        return [self.layer_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.layer_list.count())
                if self.layer_list.item(i).checkState() == Qt.CheckState.Checked]

    def formats(self) -> list[str]:
        return [k for k, cb in self.format_boxes.items() if cb.isChecked()]

    def variants(self) -> list[str]:
        return [k for k, cb in self.variant_boxes.items() if cb.isChecked()]

    def _check_all(self, on: bool) -> None:
        for i in range(self.layer_list.count()):
            self.layer_list.item(i).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _run_changed(self) -> None:
        self.layer_list.clear()
        run = self.run()
        if run is None:
            self._validate()
            return
        for ml in map_layers(run.spec):
            it = QListWidgetItem(f"{ml.name}   ·   {ml.describe()}")
            it.setData(Qt.ItemDataRole.UserRole, ml.name)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Checked)
            self.layer_list.addItem(it)
        base = str(self.context.settings.value("export/folder", "")) or str(user_home() / "exports")
        self.folder.setText(str(Path(base) / run.id))
        self._validate()

    def _validate(self, *_) -> str:
        problem = ("Choose a run with weights." if self.run() is None else
                   "Choose at least one layer." if not self.layers() else
                   "Choose at least one format." if not self.formats() else
                   "Choose raw, stretched or both." if not self.variants() else
                   "Choose a folder." if not self.folder.text().strip() else "")
        if not self.slot.busy:
            self.export_button.setEnabled(not problem)
            if problem or self._problem_shown:      # never wipe a result or cancel message
                self.status.setText(problem)
            self._problem_shown = bool(problem)
        return problem

    def _browse(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Export to folder", self.folder.text())
        if d:
            self.folder.setText(d)

    # -- running ---------------------------------------------------------------------------------
    def start_export(self) -> None:
        if self._validate() or self.slot.busy:
            return
        out = self.folder.text().strip()
        self.context.settings.setValue("export/folder", str(Path(out).parent))
        self.result = None
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.open_button.setVisible(False)
        self.export_button.setEnabled(False)
        self.cancel_button.setVisible(True)
        self.status.setText("Starting…")
        self.slot.start(export_job, self.run(), self.layers(), out, self.formats(), self.variants(),
                        self._steps, self.context.device, on_progress=self._on_progress,
                        on_finished=self._on_finished, on_failed=self._on_failed)

    def cancel(self) -> None:
        if self.slot.cancel():
            self.status.setText("Export cancelled: files already written are whole; nothing else was written.")
        self._idle()

    def _idle(self) -> None:
        self.cancel_button.setVisible(False)
        self.progress.setVisible(False)
        self.export_button.setEnabled(not self._validate())

    def _on_progress(self, r: dict) -> None:
        if r.get("kind") == "progress" and r.get("total"):
            self.progress.setValue(int(1000 * r.get("done", 0) / r["total"]))
            if r.get("message"):
                self.status.setText(str(r["message"]))

    def _on_failed(self, msg: str) -> None:
        self._idle()
        self.status.setText(f"<span style='color:#b42318'>Export failed: {msg.splitlines()[0]}</span>")

    def _on_finished(self, result: dict) -> None:
        self.result = result
        self._idle()
        if result.get("stopped"):
            self.status.setText("Export stopped.")
            return
        self.status.setText(f"<b>Done.</b> Wrote {len(result['files'])} files to {result['out_dir']}")
        self.open_button.setVisible(True)
        self.open_button.setFocus()

    def open_folder(self) -> bool:
        if not self.result:
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(self.result["out_dir"]))

    def reject(self) -> None:
        self.slot.cancel()          # closing the dialog mid-export stops the export
        super().reject()


def _wrap(layout) -> QWidget:
    w = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    w.setLayout(layout)
    return w
