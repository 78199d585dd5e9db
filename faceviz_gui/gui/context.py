"""AppContext: the state panels share, and the signals that tell them it changed.

Panels take ``(context, parent=None)``, read what they need from here and listen to its
signals; they never reach into each other. The main window owns the one instance.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal

from ..core.paths import runs_dir


class AppContext(QObject):
    experimentSelected = Signal(str)      # experiment name
    runSelected = Signal(str)             # run folder path
    runsChanged = Signal()                # a run was created, finished, deleted
    dataSourceChanged = Signal(str)       # "synthetic" or a folder
    statusMessage = Signal(str, int)      # text, timeout ms (0 = until replaced)

    def __init__(self, runs_root: str | Path | None = None, data_source: str | None = None,
                 device: str = "cpu", settings: QSettings | None = None, parent=None):
        super().__init__(parent)
        self._runs_root = Path(runs_dir(runs_root))
        self._data_source = data_source or "synthetic"
        self.device = device
        self.settings = settings or QSettings("FaceViz", "FaceViz")
        self.current_experiment: str = ""
        self.current_run: str = ""       # run folder path
        self.experimentSelected.connect(self._remember_experiment)
        self.runSelected.connect(self._remember_run)

    @property
    def runs_root(self) -> Path:
        return self._runs_root

    @property
    def data_source(self) -> str:
        return self._data_source

    def set_data_source(self, source: str) -> None:
        if source != self._data_source:
            self._data_source = source
            self.dataSourceChanged.emit(source)

    def show_status(self, text: str, timeout_ms: int = 5000) -> None:
        self.statusMessage.emit(text, timeout_ms)

    def _remember_experiment(self, name: str) -> None:
        self.current_experiment = name

    def _remember_run(self, path: str) -> None:
        self.current_run = path
