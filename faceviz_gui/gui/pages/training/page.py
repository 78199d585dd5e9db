"""The Training page: train, pause, stop and resume runs, and watch them learn.

Pause holds the job in memory (the worker sleeps at its next stop check, freeing the CPU);
Stop ends it with a checkpoint, and Resume continues a stopped run from that checkpoint.
With nothing training, the page shows the selected run: its curves and its test results.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.training.specs import find_spec
from faceviz_gui.gui.context import AppContext, describe_source
from faceviz_gui.gui.pages.training.controls import StatusLine, WrapRow, fmt_seconds
from faceviz_gui.gui.pages.training.jobs import resume_job, train_job
from faceviz_gui.gui.pages.training.overlay_link import OverlayLink
from faceviz_gui.gui.pages.training.plots import TrainingPlots
from faceviz_gui.gui.pages.training.results import TrainingResults
from faceviz_gui.gui.widgets.elided_label import ElidedLabel
from faceviz_gui.gui.widgets.run_details import percent
from faceviz_gui.gui.widgets.split_words import split_words
from faceviz_gui.gui.workers import JobWorker


class TrainingPanel(QWidget):
    jobDone = Signal()

    def __init__(self, context: AppContext, parent=None):
        super().__init__(parent)
        self.context = context
        self.worker: JobWorker | None = None
        self.run_path = ""          # the run being trained or shown
        self.spec = None
        self._started = 0.0
        # Training never queues behind gallery or compare jobs on the global pool.
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        self.title = QLabel("Select an experiment")
        self.title.setProperty("role", "title")
        # The description on one line (whole in its tooltip and in the browser), then the facts
        # a run depends on: the task, the input, the split and the data it would train on.
        self.description = ElidedLabel("")
        self.description.setProperty("role", "subtitle")
        self.subtitle = QLabel("")
        self.subtitle.setProperty("role", "subtitle")
        self.subtitle.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.description)
        layout.addWidget(self.subtitle)
        layout.addWidget(self._controls())
        layout.addLayout(self._progress_row())
        self.plots = TrainingPlots()
        self.overlay = self.plots.overlay_bar
        self.overlay_link = OverlayLink(context, self.plots, lambda: (self.spec, self.run_path))
        self._refresh_overlays = self.overlay_link.refresh
        self.results = TrainingResults()
        # Short names for what tests and other code read.
        self.test_acc, self.people, self.confusion = (self.results.test_acc, self.results.people,
                                                      self.results.confusion)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("trainingSplitter")
        self.splitter.addWidget(self.plots)
        self.splitter.addWidget(self.results)
        # about half the height each: the confusion matrix needs the rows more than the
        # curves need the last 100 px
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([400, 300])  # a saved layout, restored later, wins
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)

        context.experimentSelected.connect(self._experiment_selected)
        context.runSelected.connect(self._run_selected)
        context.dataSourceChanged.connect(self._data_source_changed)
        context.coreReady.connect(self._update_buttons)
        if context.current_experiment:
            self._experiment_selected(context.current_experiment)
        self._update_buttons()

    # -- layout -------------------------------------------------------------------------------
    def minimumSizeHint(self):
        # The wrapped controls are taller when narrow: count that (height-for-width), so a
        # window too short for the page scrolls it instead of squeezing the plots.
        base = super().minimumSizeHint()
        lay = self.layout()
        if self.width() > 0 and lay.hasHeightForWidth():
            base.setHeight(max(base.height(), lay.minimumHeightForWidth(self.width())))
        return base

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        if e.oldSize().width() != e.size().width():
            self.updateGeometry()

    def _controls(self) -> WrapRow:
        # Two groups that wrap: the settings, then the overlay switch and the buttons, which
        # sit at the right end of their line (one line when wide, two beside a 1000-px window).
        row = WrapRow(spacing=12)
        settings, settings_row = self._group()
        actions, actions_row = self._group()
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1000)
        self.epochs.setToolTip("Epochs to train (overrides the spec for this run)")
        self.batch = QSpinBox()
        self.batch.setRange(1, 4096)
        self.batch.setToolTip("Batch size (overrides the spec for this run)")
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(0.00001, 10.0)
        self.lr.setSingleStep(0.0001)
        self.lr.setToolTip("Learning rate (overrides the spec for this run)")
        for label, w in (("Epochs", self.epochs), ("Batch", self.batch), ("Learning rate", self.lr)):
            settings_row.addWidget(QLabel(label))
            settings_row.addWidget(w)
            settings_row.addSpacing(6)
        sp = QStyle.StandardPixmap
        self.train_btn = self._button("Train", sp.SP_MediaPlay, self._train_clicked,
                                      "Start a new run of this experiment with these settings (Ctrl+T)")
        self.train_btn.setDefault(True)
        self.pause_btn = self._button("Pause", sp.SP_MediaPause, self.toggle_pause,
                                      "Hold training in memory and free the CPU; press again to "
                                      "continue (Ctrl+P)")
        self.stop_btn = self._button("Stop", sp.SP_MediaStop, self.stop_training,
                                     "Stop and save a checkpoint; Resume continues it (Ctrl+. or Esc)")
        self.resume_btn = self._button("Resume", sp.SP_MediaSeekForward, self._resume_clicked,
                                       "Continue the shown stopped run from its checkpoint (Ctrl+R)")
        for b in (self.train_btn, self.pause_btn, self.stop_btn, self.resume_btn):
            actions_row.addWidget(b)
        row.add(settings)
        row.add(actions, right=True)
        return row

    @staticmethod
    def _group() -> tuple[QWidget, QHBoxLayout]:
        w = QWidget()
        row = QHBoxLayout(w)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        return w, row

    def _button(self, text, icon, slot, tip) -> QPushButton:
        b = QPushButton(self.style().standardIcon(icon), text)
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    def _progress_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.progress.setToolTip("Progress over all epochs")
        self.progress.setMinimumWidth(100)
        self.state = StatusLine("No run yet: press Train to start one")
        row.addWidget(self.progress, 2)
        row.addWidget(self.state, 3)
        return row

    # -- selection ----------------------------------------------------------------------------
    def _experiment_selected(self, name: str) -> None:
        if self.is_running() or not name:
            return
        try:
            self.spec = find_spec(name)
        except FaceVizError as exc:
            self.spec = None
            self.title.setText(name)
            self.description.setText("")
            self.subtitle.setText(str(exc))
            self._update_buttons()
            return
        t = self.spec.train
        self.epochs.setValue(t.epochs)
        self.batch.setValue(t.batch_size)
        self.lr.setValue(t.learning_rate)
        self.title.setText(self.spec.name)
        self._write_subtitle()
        self._refresh_overlays()
        self._update_buttons()

    def _write_subtitle(self) -> None:
        h, w = self.spec.input_size
        self.description.setText(self.spec.description or "")
        self.description.setToolTip(self.spec.description or "")
        self.subtitle.setText(f"Task {self.spec.task} · input {w}×{h}"
                              f" · {split_words(self.spec.split)} · data: "
                              f"{describe_source(self.context.data_source)}")

    def _data_source_changed(self, _source: str) -> None:
        # The header names the data a new run trains on: never the previous source.
        if self.spec is not None:
            self._write_subtitle()

    def _run_selected(self, path: str) -> None:
        if self.is_running():
            return
        self.show_run(path)

    def show_run(self, path: str) -> None:
        """Curves and results of a run on disk ("" clears the page)."""
        self.run_path = path
        if not path or not self.context.core_ready or not Path(path).is_dir():
            self.plots.clear()
            self._show_results(None)
            self.progress.setValue(0)
            self.state.setText("No run yet: press Train" if not path else "Loading…")
            self._update_buttons()
            return
        from faceviz_gui.core.training.runs import Run
        run = Run(path)
        st = run.status
        epochs = max(1, int(st.get("epochs", 1) or 1))
        self.plots.set_history(run.metrics(), epochs)
        self._show_results(run.evaluation(), run)
        self.progress.setValue(int(1000 * min(1.0, st.get("epoch", 0) / epochs)))
        state = st.get("state", "unknown")
        extra = " — Resume continues it" if state == "stopped" else ""
        if state == "failed" and st.get("error"):
            extra = f": {st['error']}"
        self.state.setText(f"{run.id}: {state}, epoch {st.get('epoch', 0)} of {epochs}{extra}")
        self._refresh_overlays()
        self._update_buttons()

    def _show_results(self, ev: dict | None, run=None) -> None:
        self.results.show_evaluation(ev, run)

    # -- jobs -----------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.worker is not None

    def _train_clicked(self) -> None:
        if self.spec is not None:
            self.start_training(self.spec.name)

    def _resume_clicked(self) -> None:
        if self.run_path:
            self.resume_run(self.run_path)

    def start_training(self, name: str) -> JobWorker | None:
        """A new run of experiment ``name`` with the override fields applied."""
        if not self.context.core_ready:
            self.context.show_status("Still loading torch: try again in a moment", 4000)
            return None
        if self.is_running():
            return None
        if self.spec is None or self.spec.name != name:
            self._experiment_selected(name)
        if self.spec is None:
            return None
        spec = self.spec.copy()
        spec.train.epochs = self.epochs.value()
        spec.train.batch_size = self.batch.value()
        spec.train.learning_rate = self.lr.value()
        self.plots.clear(epochs=spec.train.epochs)
        self._show_results(None)
        return self._start(JobWorker(train_job, self.context, spec), "Starting…")

    def resume_run(self, path: str) -> JobWorker | None:
        if self.is_running() or not self.context.core_ready:
            return None
        self.show_run(path)
        return self._start(JobWorker(resume_job, self.context, path), "Resuming…")

    def _start(self, worker: JobWorker, text: str) -> JobWorker:
        self.worker = worker
        self._started = time.monotonic()
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.done.connect(self._on_done)
        self.state.setText(text)
        self.context.trainingChanged.emit(True)
        self._update_buttons()
        worker.start(self.pool)
        return worker

    def toggle_pause(self) -> None:
        if self.worker is None:
            return
        if self.worker.paused:
            self.worker.unpause()
            self.state.setText("Continuing…")
        else:
            self.worker.pause()
            self.state.setText("Pausing at the next batch…")
        # The run's status.json says "running" all along: the browser asks the context.
        self.context.set_training_paused(self.worker.paused)
        self._update_buttons()

    def stop_training(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.state.setText("Stopping: saving a checkpoint…")
            self._update_buttons()

    def _on_progress(self, r: dict) -> None:
        kind = r.get("kind")
        if kind == "run":
            self.run_path = r["path"]
            self.context.training_run = r["path"]
            self.context.runsChanged.emit()
            self.context.runSelected.emit(r["path"])
        elif kind == "batch":
            self.plots.add_batch(r)
            self.progress.setValue(int(1000 * r["step"] / max(1, r["steps"])))
            if not self.worker or not self.worker.paused:
                self.state.setText(f"Epoch {r['epoch']}/{r['epochs']} · batch {r['batch']}/"
                                   f"{r['batches']} · loss {r['loss']:.3f} · acc {percent(r['acc'])}"
                                   f" · {r.get('images_per_s', 0):.0f} img/s · ETA "
                                   f"{fmt_seconds(r.get('eta_s'))}")
        elif kind == "epoch":
            self.plots.add_epoch(r)
            self.progress.setValue(int(1000 * r["epoch"] / max(1, r["epochs"])))
            self.context.runUpdated.emit(self.run_path)
        elif kind == "stage":
            self.state.setText(str(r.get("message", "")).capitalize() + "…")
        elif kind == "progress" and r.get("total"):  # loading or generating the data
            self.state.setText(f"{str(r.get('message') or 'Loading data').capitalize()}: "
                               f"{100 * r['done'] / r['total']:.0f}%")
        elif kind == "paused":
            # No position: the last report is up to 0.1 s older than the pause.
            self.state.setText("Paused, held in memory (the CPU is free): Continue or Stop")
        elif kind == "unpaused":
            self.state.setText("Training…")

    def _on_finished(self, result) -> None:
        if result is None:
            self.state.setText("Cancelled before training began")
            return
        path = str(result.run.path)
        if result.stopped:
            self.state.setText(f"Stopped after {len(result.history)} full epochs — checkpoint "
                               "saved; Resume continues it")
        else:
            acc = (result.evaluation or {}).get("accuracy")
            took = fmt_seconds(time.monotonic() - self._started)
            self.state.setText(f"Done in {took}: test accuracy {percent(acc)}")
            self.progress.setValue(1000)
            self._show_results(result.evaluation, result.run)
        self.run_path = path

    def _on_failed(self, message: str) -> None:
        first = message.split("\n", 1)[0]
        self.state.setText(f"Failed: {first}")
        self.context.show_status(f"Training failed: {first}", 10000)

    def _on_done(self) -> None:
        self.plots.redraw()  # the final epoch now, not at the next timer tick
        self.worker = None
        self.context.training_run = ""
        self.context.trainingChanged.emit(False)
        self.context.runsChanged.emit()
        if self.run_path:
            self.context.runUpdated.emit(self.run_path)
        self._update_buttons()
        self.jobDone.emit()

    def _update_buttons(self, *_):
        running = self.is_running()
        ready = self.context.core_ready
        self.train_btn.setEnabled(ready and not running and self.spec is not None)
        self.pause_btn.setEnabled(running)
        self.pause_btn.setText("Continue" if running and self.worker.paused else "Pause")
        self.stop_btn.setEnabled(running)
        can_resume = False
        if ready and not running and self.run_path:
            from faceviz_gui.core.training.runs import Run
            run = Run(self.run_path)
            can_resume = run.state in ("stopped", "failed", "running") and \
                (run.path / "split.json").exists()
        self.resume_btn.setEnabled(can_resume)
        for w in (self.epochs, self.batch, self.lr):
            w.setEnabled(not running)
