"""After the first paint: import torch and the core, pick the device, load the data set.

Both steps run as JobWorkers so the window stays live; the status bar shows each stage.
``Startup.start()`` is called by the main window once it has painted.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, QThreadPool, Signal

from faceviz_gui.gui.context import AppContext, describe_source
from faceviz_gui.gui.workers import JobWorker


def warm_up(source: str | None, reporter) -> dict:
    """Import the heavy modules in this (worker) thread; returns device and data source."""
    t0 = time.perf_counter()
    reporter.report(kind="stage", message="Loading torch…")
    import torch
    reporter.report(kind="stage", message="Loading FaceViz core…")
    from faceviz_gui.core.training import nets, runs  # noqa: F401  (imported here so the UI thread never pays)
    try:
        from faceviz_gui.core.training import fit as training  # noqa: F401
    except ImportError:
        pass  # not landed in this checkout; training reports it when asked
    if source is None:
        try:
            from faceviz_gui.core.data import sources as data
            source = data.resolve_source(None)
        except ImportError:
            source = "synthetic"
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return {"device": device, "source": source, "seconds": time.perf_counter() - t0}


def load_data(context: AppContext, scale: int, reporter) -> str:
    faces = context.faceset(scale, reporter)
    skipped = f" · {len(faces.skipped)} files skipped" if faces.skipped else ""
    return (f"{describe_source(context.data_source)} · {len(faces)} images · "
            f"{len(faces.people)} people{skipped}")


class Startup(QObject):
    """Runs warm-up then the data load; ``stage(text, busy)`` drives the status bar."""
    stage = Signal(str, bool)
    failed = Signal(str)

    def __init__(self, context: AppContext, resolve_source: bool, parent=None):
        super().__init__(parent)
        self.context = context
        self.resolve_source = resolve_source
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.worker: JobWorker | None = None
        self._quiet = False
        context.dataSourceChanged.connect(self._source_changed)

    def start(self) -> None:
        self.stage.emit("Loading torch…", True)
        source = None if self.resolve_source else self.context.data_source
        self.worker = JobWorker(warm_up, source)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._warmed_up)
        self.worker.failed.connect(self._failed)
        self.worker.start(self.pool)

    def load_data(self, scale: int | None = None) -> None:
        if not self.context.core_ready:
            return  # the warm-up loads it when it ends
        scale = scale or self._scale()
        self.stage.emit(f"Loading data ({describe_source(self.context.data_source)})…", True)
        self.worker = JobWorker(load_data, self.context, scale)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._data_loaded)
        self.worker.failed.connect(self._failed)
        self.worker.start(self.pool)

    def _source_changed(self, _source: str) -> None:
        if not self._quiet:
            self.load_data()

    def _scale(self) -> int:
        try:
            from faceviz_gui.core.training.specs import find_spec
            return find_spec(self.context.current_experiment).scale
        except Exception:  # no experiment chosen yet, or a broken user spec
            return 2

    def _on_progress(self, values: dict) -> None:
        if values.get("kind") == "stage":
            self.stage.emit(values.get("message", ""), True)

    def _warmed_up(self, result: dict) -> None:
        self.context.set_device(result["device"])
        self._quiet = True  # the data load below follows; no second one from the signal
        try:
            self.context.set_data_source(result["source"])
        finally:
            self._quiet = False
        self.context.mark_core_ready()
        self.load_data()

    def _data_loaded(self, description: str) -> None:
        self.context.data_description = description
        self.context.dataLoaded.emit(description)
        self.stage.emit("Ready", False)

    def _failed(self, message: str) -> None:
        self.stage.emit("", False)
        self.failed.emit(message)
        if not self.context.core_ready:
            self.context.mark_core_ready()  # torch is there; only the data failed to resolve
