"""Run a core job off the UI thread and turn its reports into queued Qt signals.

A core job is a plain function ``job(*args, reporter=..., **kwargs)``. JobWorker runs it on
the global QThreadPool; ``progress`` carries each report dict, ``finished`` the return value,
``failed`` a one-line message (FaceVizError) or a traceback summary (a bug). ``cancel()`` sets
the stop flag the job polls; a thread is never terminated. Signals are emitted from the pool
thread and delivered queued to receivers living in the UI thread.

``pause()`` holds the job at its next ``should_stop()`` poll (the job's thread sleeps on an
event, its state stays in memory) until ``unpause()`` or ``cancel()``.

A job function marked with ``process_child.in_process(host)`` runs in a worker process
instead (gui/process_host.py; same signals, same cancel and pause), so its Python never holds
the UI's GIL. FACEVIZ_JOBS_IN_THREADS=1 keeps every job on the pool (for debugging).
"""
from __future__ import annotations

import os
import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.tasks import StopFlag, Throttle


class _Signals(QObject):
    progress = Signal(dict)
    finished = Signal(object)
    failed = Signal(str)
    done = Signal()          # after finished or failed, whichever came


class QtReporter:
    """A core Reporter that emits ``progress`` and reads the worker's stop flag.

    Reports of kinds in ``always`` (e.g. "epoch", "preview") go out at once; the rest are
    throttled to ~10 a second so the UI thread is never flooded.
    """

    def __init__(self, signals: _Signals, stop: StopFlag, interval: float = 0.1,
                 always: tuple[str, ...] = ("epoch", "preview", "result", "layer", "stage", "run",
                                            "paused", "unpaused"),
                 running: threading.Event | None = None):
        self._signals = signals
        self._stop = stop
        self._throttle = Throttle(interval)
        self._always = always
        self._running = running  # cleared = paused

    def report(self, **values: Any) -> None:
        if values.get("kind") in self._always or self._throttle.ready():
            self._signals.progress.emit(values)

    @property
    def paused(self) -> bool:
        return self._running is not None and not self._running.is_set()

    def stop_requested(self) -> bool:
        """The stop flag, without waiting out a pause (process_host.call_in_process)."""
        return self._stop.is_set()

    def should_stop(self) -> bool:
        if self._running is not None and not self._running.is_set():
            self._signals.progress.emit({"kind": "paused"})
            while not self._running.wait(0.1):
                if self._stop.is_set():
                    break
            if not self._stop.is_set():
                self._signals.progress.emit({"kind": "unpaused"})
        return self._stop.is_set()


_started: set = set()              # JobWorkers started and not yet done
_started_lock = threading.Lock()


def foreground_busy() -> bool:
    """Whether a job other than background work is running (background work then waits)."""
    with _started_lock:
        return any(getattr(w._fn, "process_host", "") != "background" for w in _started)


class JobWorker(QRunnable):
    """``JobWorker(fn, *args, **kwargs)``; fn gets ``reporter=`` added to its kwargs."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any):
        super().__init__()
        self.setAutoDelete(False)  # the owner keeps it (and its signals) alive
        self.signals = _Signals()
        self.progress = self.signals.progress
        self.finished = self.signals.finished
        self.failed = self.signals.failed
        self.done = self.signals.done
        self.stop_flag = StopFlag()
        self._unpaused = threading.Event()
        self._unpaused.set()
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._is_running = False

    @property
    def running(self) -> bool:
        return self._is_running

    @running.setter
    def running(self, value: bool) -> None:
        with _started_lock:
            self._is_running = bool(value)
            (_started.add if value else _started.discard)(self)

    def cancel(self) -> None:
        self.stop_flag.set()
        self._unpaused.set()

    def pause(self) -> None:
        self._unpaused.clear()

    def unpause(self) -> None:
        self._unpaused.set()

    @property
    def paused(self) -> bool:
        return not self._unpaused.is_set()

    @property
    def cancelled(self) -> bool:
        return self.stop_flag.is_set()

    def start(self, pool: QThreadPool | None = None) -> "JobWorker":
        self.running = True
        where = getattr(self._fn, "process_host", None)
        if where and pool is None and os.environ.get("FACEVIZ_JOBS_IN_THREADS") != "1":
            from faceviz_gui.gui.process_host import host
            host(where).submit(self)
        else:
            (pool or QThreadPool.globalInstance()).start(self)
        return self

    def run(self) -> None:  # pool thread
        reporter = QtReporter(self.signals, self.stop_flag, running=self._unpaused)
        try:
            result = self._fn(*self._args, reporter=reporter, **self._kwargs)
        except FaceVizError as exc:
            _emit(self.signals.failed, str(exc))
        except Exception as exc:  # a bug: keep the last frames for the message box
            tb = traceback.format_exc(limit=4)
            _emit(self.signals.failed, f"{type(exc).__name__}: {exc}\n\n{tb}")
        else:
            _emit(self.signals.finished, result)
        finally:
            self.running = False
            _emit(self.signals.done)


def _emit(signal, *args) -> None:
    """Emit, unless the app has already torn the signals down (a job that outlives its app at
    exit): nobody is left to tell, and the error would only print a traceback."""
    try:
        signal.emit(*args)
    except RuntimeError as exc:
        if "deleted" not in str(exc):
            raise
