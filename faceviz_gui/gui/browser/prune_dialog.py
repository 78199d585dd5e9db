"""PruneDialog: preview which units a pruning removes (each with its HappyMap and the reason),
then prune on a worker with progress and Cancel, and show the comparison's verdict.

Three jobs run on the pool through one JobSlot, never on the UI thread: the plan (measures the
units on the run's training images; for "dead" it renders HappyMaps), the preview maps of the
units that go (from the gallery's cache when it has them), and the pruning itself (cut,
fine-tune, test-split score, compare with the parent). The pruned run appears under its parent
in the browser when it is done (``context.runsChanged``); ``pruned`` carries its folder.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from faceviz_gui.core.training.runs import Run
from faceviz_gui.gui.widgets.image_utils import to_qimage
from faceviz_gui.gui.widgets.job_slot import JobSlot

METHODS = (("redundant", "Redundant: units that duplicate another on the training images"),
           ("magnitude", "Magnitude: units with the smallest weights"),
           ("dead", "Dead: units whose HappyMap is flagged dead, or that never fire"))
ICON = QSize(64, 60)


def plan_job(run, method, amount, prepared, data, steps, reporter=None):
    from faceviz_gui.core.prune.prune_job import plan_prune
    return plan_prune(run, method, amount, reporter, prepared, data, steps)


def maps_job(run, removed: dict, steps: int, reporter=None) -> dict:
    """HappyMaps of the units that go, layer by layer (each reported as it is done)."""
    from faceviz_gui.core.maps.happymaps import render_layer
    out = {}
    for layer, units in removed.items():
        if reporter.should_stop():
            break
        lm = render_layer(run, layer, filters=units, steps=steps)
        out[layer] = {m.index: m.image for m in lm.maps}
        reporter.report(kind="layer", layer=layer, images=out[layer])
    return out


def prune_job(run, plan, prepared, epochs, runs_root, device, reporter=None):
    from faceviz_gui.core.prune.prune_job import prune_run
    return prune_run(run, plan.method, plan.amount, epochs, reporter, runs_root=runs_root,
                     plan=plan, prepared=prepared, device=device)


class PruneDialog(QDialog):
    pruned = Signal(str)      # the new run's folder

    def __init__(self, run_path: str, context, parent=None, data=None, steps: int = 256):
        super().__init__(parent)
        self.run, self.context, self.data, self.steps = Run(run_path), context, data, steps
        self.plan = self.prepared = self.result = None
        self.slot = JobSlot(self)
        self.setWindowTitle(f"Prune {self.run.id}")
        self.resize(680, 720)
        layout = QVBoxLayout(self)
        intro = QLabel("Remove units the network does not need, fine-tune briefly, then check "
                       "against the original that the smaller network learned the same thing.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.method = QComboBox()
        for key, text in METHODS:
            self.method.addItem(text, key)
        self.amount = QDoubleSpinBox()
        self.amount.setRange(5, 90)
        self.amount.setDecimals(0)
        self.amount.setSingleStep(5)
        self.amount.setValue(40)
        self.amount.setSuffix(" % of the parameters")
        self.amount.setToolTip("How many parameters to remove; for Dead, at most this many")
        self.epochs = QSpinBox()
        self.epochs.setRange(0, 50)
        self.epochs.setValue(3)
        self.epochs.setSuffix(" epochs of fine-tuning")
        form.addRow("Method:", self.method)
        form.addRow("Remove:", self.amount)
        form.addRow("Then:", self.epochs)
        layout.addLayout(form)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["HappyMap", "Layer", "Unit", "Why it goes"])
        self.table.setIconSize(ICON)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(ICON.height() + 6)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, ICON.width() + 12)
        layout.addWidget(self.table, 1)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.verdict.setProperty("role", "metric")
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # a wrapped label in a box layout gets one line's height unless told: room for four
        self.verdict.setMinimumHeight(4 * self.fontMetrics().lineSpacing())
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        for w in (self.progress, self.message, self.verdict):
            layout.addWidget(w)
        row = QHBoxLayout()
        self.preview_button = QPushButton("Preview")
        self.prune_button = QPushButton("Prune")
        self.cancel_button = QPushButton("Cancel")
        self.close_button = QPushButton("Close")
        for b in (self.preview_button, self.prune_button, self.cancel_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.preview_button.clicked.connect(self.preview)
        self.prune_button.clicked.connect(self.start_prune)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        for w in (self.method, self.amount):
            (w.currentIndexChanged if w is self.method else w.valueChanged).connect(self._stale)
        self._busy(False)
        self.prune_button.setEnabled(False)

    # -- preview -------------------------------------------------------------------------
    def _stale(self, *_):
        self.plan = None
        self.prune_button.setEnabled(False)
        self.summary.setText("Settings changed: press Preview to see what goes.")

    def preview(self) -> None:
        method = self.method.currentData()
        amount = self.amount.value() / 100
        self.table.setRowCount(0)
        self.verdict.setText("")
        self._busy(True, "Measuring the units on the training images…")
        self.slot.start(plan_job, self.run, method, amount, self.prepared, self.data, self.steps,
                        on_progress=self._on_progress, on_finished=self._planned,
                        on_failed=self._failed)

    def _planned(self, value) -> None:
        plan, self.prepared = value
        self._busy(False)
        if plan is None:
            self.message.setText("Preview cancelled.")
            return
        self.plan = plan
        share = plan.params_after / max(1, plan.params_before)
        self.summary.setText(
            f"<b>{plan.params_before:,} → {plan.params_after:,} parameters ({share:.0%})</b>: "
            f"{len(plan.removals)} units from {len(plan.removed)} layers: "
            + ", ".join(f"{k} {plan.widths_before[k]}→{plan.widths_after[k]}" for k in plan.removed)
            + "".join(f"<br>{n}" for n in plan.notes))
        self.table.setRowCount(len(plan.removals))
        for i, r in enumerate(plan.removals):
            cells = [QTableWidgetItem(""), QTableWidgetItem(r.layer), QTableWidgetItem(str(r.unit)),
                     QTableWidgetItem(r.reason)]
            for j, c in enumerate(cells):
                self.table.setItem(i, j, c)
        self.prune_button.setEnabled(bool(plan.removals))
        if not plan.removals:
            self.message.setText("Nothing to remove by this method.")
            return
        self._busy(True, "Rendering the HappyMaps of the units that go…")
        self.slot.start(maps_job, self.run, plan.removed, self.steps, on_progress=self._on_maps,
                        on_finished=lambda _: self._busy(False, "Preview ready."),
                        on_failed=self._failed)
        self.prune_button.setEnabled(True)

    def _on_maps(self, report: dict) -> None:
        if report.get("kind") != "layer":
            return
        images = report["images"]
        for i in range(self.table.rowCount()):
            if self.table.item(i, 1).text() == report["layer"]:
                img = images.get(int(self.table.item(i, 2).text()))
                if img is not None:
                    pix = QPixmap.fromImage(to_qimage(img)).scaled(
                        ICON, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)
                    self.table.item(i, 0).setIcon(QIcon(pix))

    # -- pruning -------------------------------------------------------------------------
    def start_prune(self) -> None:
        if self.plan is None:
            return
        self.verdict.setText("")
        self._busy(True, "Pruning…")
        self.prune_button.setEnabled(False)
        device = getattr(self.context, "device", "cpu") or "cpu"
        self.slot.start(prune_job, self.run, self.plan, self.prepared, self.epochs.value(),
                        self.context.runs_root, device, on_progress=self._on_progress,
                        on_finished=self._pruned, on_failed=self._failed)

    def _pruned(self, result) -> None:
        self.result = result
        self._busy(False)
        if result.run is not None:
            self.context.runsChanged.emit()
        if result.stopped:
            where = f" The run {result.run.id} is stopped; Resume finishes it." if result.run else ""
            self.message.setText("Stopped." + where)
            return
        pct = lambda v: "–" if v is None else f"{v:.1%}"
        cmp = result.comparison
        text = (f"<b>{result.run.id}</b>: {result.plan.params_after:,} parameters "
                f"({result.plan.params_after / result.plan.params_before:.0%} of the parent); "
                f"test accuracy on the parent's test split {pct(result.accuracy_before)} → "
                f"{pct(result.accuracy_after)}")
        if cmp is not None and not cmp.stopped:
            text += f"<br><b>Verdict:</b> {cmp.verdict}"
        self.verdict.setText(text)
        self.message.setText("Done: the pruned run is listed under its parent.")
        self.pruned.emit(str(result.run.path))

    # -- shared ----------------------------------------------------------------------------
    def cancel(self) -> None:
        if self.slot.busy:
            self.slot.current.cancel()      # the job stops at its next check and reports back
            self.message.setText("Stopping…")

    def _on_progress(self, report: dict) -> None:
        if report.get("fraction") is not None:
            self.progress.setValue(int(1000 * report["fraction"]))
        elif report.get("total"):
            self.progress.setValue(int(1000 * report.get("done", 0) / report["total"]))
        if report.get("message"):
            self.message.setText(report["message"])

    def _failed(self, message: str) -> None:
        self._busy(False)
        self.message.setText(f"<span style='color:#b42318'>{message.splitlines()[0]}</span>")

    def _busy(self, busy: bool, message: str | None = None) -> None:
        self.cancel_button.setEnabled(busy)
        self.preview_button.setEnabled(not busy)
        self.method.setEnabled(not busy)
        self.amount.setEnabled(not busy)
        self.epochs.setEnabled(not busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setValue(0)
        if message is not None:
            self.message.setText(message)

    def reject(self) -> None:
        self.slot.cancel()
        super().reject()
