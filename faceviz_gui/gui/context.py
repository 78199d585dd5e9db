"""AppContext: the state panels share, and the signals that tell them it changed.

Panels take ``(context, parent=None)``, read what they need from here and listen to its
signals; they never reach into each other. The main window owns the one instance.

torch is not imported here: the window paints first, then a warm-up job imports the core and
loads the data set, and ``coreReady`` / ``dataLoaded`` tell panels they may use them.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal

from faceviz_gui.core.paths import runs_dir


class AppContext(QObject):
    experimentSelected = Signal(str)      # experiment name
    runSelected = Signal(str)             # run folder path
    runsChanged = Signal()                # a run was created, finished, deleted
    runUpdated = Signal(str)              # a run's weights changed (epoch end): run folder path
    dataSourceChanged = Signal(str)       # "synthetic" or a folder
    statusMessage = Signal(str, int)      # text, timeout ms (0 = until replaced)
    coreReady = Signal()                  # torch and the core modules are imported
    deviceChanged = Signal(str)           # "cpu" or "cuda"
    dataLoaded = Signal(str)              # a one-line description of the data set in use
    trainingChanged = Signal(bool)        # a training job started (True) or ended (False)
    trainingPaused = Signal(bool)         # the training job was paused (held in memory) or went on
    plotRunsChanged = Signal(list)        # run folders ticked in the browser to plot together

    def __init__(self, runs_root: str | Path | None = None, data_source: str | None = None,
                 device: str = "cpu", settings: QSettings | None = None, parent=None):
        super().__init__(parent)
        self._runs_root = Path(runs_dir(runs_root))
        self._data_source = data_source or "synthetic"
        self.device = device
        self.settings = settings or QSettings("FaceViz", "FaceViz")
        self.current_experiment: str = ""
        self.current_run: str = ""       # run folder path
        self.core_ready = False
        self.training = False
        self.training_run: str = ""      # folder of the run being trained, "" when none
        self.training_paused = False     # its status.json still says "running" while paused
        self.plot_runs: list[str] = []   # run folders ticked in the browser (training curves)
        self.data_description = ""
        self._facesets: dict[tuple[str, int], Any] = {}
        self._data_lock = threading.Lock()   # held only to read or change the dict: never long
        self._load_locks: dict[tuple[str, int], threading.Lock] = {}
        self.experimentSelected.connect(self._remember_experiment)
        self.runSelected.connect(self._remember_run)
        self.trainingChanged.connect(self._remember_training)

    @property
    def runs_root(self) -> Path:
        return self._runs_root

    @property
    def data_source(self) -> str:
        return self._data_source

    def set_data_source(self, source: str) -> None:
        if source != self._data_source:
            with self._data_lock:  # the old source's images are not needed any more
                self._facesets = {k: v for k, v in self._facesets.items() if k[0] == source}
            self._data_source = source
            self.data_description = ""
            self.dataSourceChanged.emit(source)

    def set_device(self, device: str) -> None:
        if device != self.device:
            self.device = device
            self.deviceChanged.emit(device)

    def mark_core_ready(self) -> None:
        if not self.core_ready:
            self.core_ready = True
            self.coreReady.emit()

    def show_status(self, text: str, timeout_ms: int = 5000) -> None:
        self.statusMessage.emit(text, timeout_ms)

    # -- data, shared by every job -------------------------------------------------------
    def faceset(self, scale: int, reporter=None):
        """The current data source at ``scale``, loaded once and kept; call from a worker.

        Thread-safe: two jobs asking at once load it once, and the UI thread, which only ever
        takes the short dict lock, never waits for a load. Raises FaceVizError (DataError) for
        a source that cannot be used.
        """
        source = self._data_source
        key = (source, int(scale))
        with self._data_lock:
            if key in self._facesets:
                return self._facesets[key]
            load_lock = self._load_locks.setdefault(key, threading.Lock())
        with load_lock:
            with self._data_lock:
                if key in self._facesets:
                    return self._facesets[key]
            from faceviz_gui.core.data import sources as data
            if reporter is not None:
                reporter.report(kind="stage", message=f"Loading data ({describe_source(source)})")
            faces = data.load_source(source, int(scale), reporter=reporter)
            if reporter is not None and reporter.should_stop():
                return faces  # perhaps cut short: never keep it for the next job
            with self._data_lock:
                if source == self._data_source:  # not switched away meanwhile
                    self._facesets[key] = faces
            return faces

    def set_faceset(self, scale: int, faces) -> None:
        """Use ``faces`` for the current source at ``scale`` (preloaded data; tests)."""
        with self._data_lock:
            self._facesets[(self._data_source, int(scale))] = faces

    def forget_data(self) -> None:
        with self._data_lock:
            self._facesets.clear()

    def _remember_experiment(self, name: str) -> None:
        self.current_experiment = name

    def _remember_run(self, path: str) -> None:
        self.current_run = path

    def _remember_training(self, running: bool) -> None:
        self.training = running
        if not running:
            self.training_paused = False

    def set_training_paused(self, paused: bool) -> None:
        if paused != self.training_paused:
            self.training_paused = paused
            self.trainingPaused.emit(paused)

    def set_plot_runs(self, paths: list[str]) -> None:
        if list(paths) != self.plot_runs:
            self.plot_runs = list(paths)
            self.plotRunsChanged.emit(self.plot_runs)


def describe_source(source: str) -> str:
    """A short label for the status bar: "synthetic faces" or the folder's name."""
    if not source or source == "synthetic":
        return "synthetic faces"
    return Path(source).name or source
