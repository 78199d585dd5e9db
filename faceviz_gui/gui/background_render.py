"""Galleries ready before you click: render a run's whole gallery in the background.

When a run finishes training, or a run is opened (selected in the browser, shown in the
Gallery), every layer with HappyMaps is rendered into the run's map cache at the Gallery's
step count, so clicking through layers later shows final maps at once. One job at a time, in
the niced "background" worker process with one thread (gui/background_jobs.py); it is paused
whenever any other job runs (training, a render or anything else the user asked for) and
goes on when they are done. Progress and a cancel button sit in the status bar; the View
menu's checkbox turns it off (remembered in the settings).
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QStatusBar, QToolButton

from faceviz_gui.gui import settings as keys
from faceviz_gui.gui.background_jobs import render_gallery_job
from faceviz_gui.gui.workers import JobWorker, foreground_busy

YIELD_CHECK_MS = 250
DEFAULT_STEPS = 256          # the Gallery's own default (gallery/steps)


class BackgroundRenderer(QObject):
    changed = Signal(str)           # status text; "" when idle

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self.context = context
        self.worker: JobWorker | None = None
        self.current = ""               # run folder being rendered
        self.text = ""
        self._layer = ""                # "<run>: layer i of n", for the status text
        self.finished_runs: list[str] = []
        self._queue: list[str] = []
        self._last_trained = ""
        self._training = False
        self._timer = QTimer(self)
        self._timer.setInterval(YIELD_CHECK_MS)
        self._timer.timeout.connect(self._yield_check)
        self.toggle = QAction("Render galleries in the background", self)
        self.toggle.setCheckable(True)
        self.toggle.setChecked(self.enabled)
        self.toggle.setToolTip("After training, and when you open a run, render its whole "
                               "gallery at low priority so every layer shows at once")
        self.toggle.toggled.connect(self.set_enabled)
        context.runSelected.connect(self.request)
        context.runUpdated.connect(self._run_updated)
        context.trainingChanged.connect(self._training_changed)
        state = {"worker": None}
        self._state = state             # plain Python, readable once the QObject is gone
        self.destroyed.connect(lambda *_: state["worker"] is not None and state["worker"].cancel())

    # -- settings ---------------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        return keys.flag(self.context.settings, keys.BACKGROUND_RENDER, True)

    def set_enabled(self, on: bool) -> None:
        self.context.settings.setValue(keys.BACKGROUND_RENDER, bool(on))
        if self.toggle.isChecked() != bool(on):
            self.toggle.setChecked(bool(on))
        if not on:
            self.cancel()

    # -- requests ---------------------------------------------------------------------------
    def request(self, run_path: str) -> None:
        """Queue a run's gallery (nothing if off, already queued or being rendered)."""
        if not run_path or not self.enabled or run_path == self.current or run_path in self._queue:
            return
        self._queue.append(run_path)
        self._next()

    def cancel(self) -> None:
        """Stop the render now and forget the queue; what is cached stays cached."""
        self._queue.clear()
        if self.worker is not None:
            self.worker.cancel()

    @property
    def busy(self) -> bool:
        return self.worker is not None

    @property
    def paused(self) -> bool:
        return self.worker is not None and self.worker.paused

    def _run_updated(self, path: str) -> None:
        self._last_trained = path

    def _training_changed(self, on: bool) -> None:
        self._training = on
        if not on and self._last_trained:
            self.request(self._last_trained)

    def _steps(self) -> int:
        try:
            return int(self.context.settings.value("gallery/steps", DEFAULT_STEPS))
        except (TypeError, ValueError):
            return DEFAULT_STEPS

    # -- the job ----------------------------------------------------------------------------
    def _next(self) -> None:
        if self.worker is not None or not self._queue:
            return
        self.current = self._queue.pop(0)
        w = JobWorker(render_gallery_job, self.current, self._steps(), device=self.context.device)
        self.worker = self._state["worker"] = w
        w.progress.connect(lambda r, w=w: w is self.worker and self._on_progress(r))
        w.finished.connect(lambda v, w=w: w is self.worker and self.finished_runs.append(v["run"]))
        w.failed.connect(lambda m, w=w: w is self.worker and self.context.statusMessage.emit(
            f"Background gallery render stopped: {m.splitlines()[0] if m else 'failed'}", 8000))
        w.done.connect(lambda w=w: w is self.worker and self._on_done())
        self._yield_check()             # start paused if something else runs now
        self._timer.start()
        w.start()
        self._show("Rendering gallery in the background…")

    def _yield_check(self) -> None:
        w = self.worker
        if w is None:
            return
        wait = self._training or foreground_busy()
        if wait and not w.paused:
            w.pause()
        elif not wait and w.paused:
            w.unpause()

    def _on_progress(self, r: dict) -> None:
        kind = r.get("kind")
        if kind in ("layer", "progress"):
            self._layer = f"{r.get('run', '')}: layer {r['index'] + 1} of {r['total']}"
            pct = ""
            if kind == "progress" and r.get("steps"):
                pct = f" ({100 * r['done'] // r['steps']}%)"
            self._show(f"Rendering gallery of {self._layer}{pct}")
        elif kind == "paused":
            self._show(f"Gallery of {self._layer or 'a run'} waits while you work")

    def _on_done(self) -> None:
        self._timer.stop()
        self.worker = self._state["worker"] = None
        self.current = ""
        self._show("")
        self._next()

    def _show(self, text: str) -> None:
        self.text = text
        self.changed.emit(text)


class BackgroundStatus(QObject):
    """The status-bar part: a label and a cancel button, hidden while nothing renders."""

    def __init__(self, renderer: BackgroundRenderer, bar: QStatusBar):
        super().__init__(bar)
        self.label = QLabel()
        self.label.setObjectName("BackgroundRenderLabel")
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop rendering galleries in the background for now "
                                      "(View menu: turn it off for good)")
        self.cancel_button.clicked.connect(renderer.cancel)
        bar.addPermanentWidget(self.label)
        bar.addPermanentWidget(self.cancel_button)
        renderer.changed.connect(self._changed)
        self._changed(renderer.text)

    def _changed(self, text: str) -> None:
        self.label.setText(text)
        self.label.setVisible(bool(text))
        self.cancel_button.setVisible(bool(text))
