"""Run a JobWorker's job in a long-lived worker process instead of a pool thread.

Why: a job's Python (its loop, report callbacks, numpy conversions) holds the GIL between
torch ops, and on a busy machine the OS can pause that thread for a whole time slice while it
holds the GIL: the UI thread then waits for it. Measured on the shared 2-core EPYC with a
neighbour busy: p99 gap 83 ms (worst 245 ms) between 10 ms UI ticks while a layer rendered on
a pool thread. A process has its own GIL, so the UI thread never waits on the job.

One host per kind of work ("maps" at normal priority, "background" niced), each with one
child started with the 'spawn' context (never fork: Qt and torch threads exist) and kept for
the next job, so imports are paid once. Jobs on a host run one at a time, in order. A host
thread here sends the job (pickled), mirrors the worker's cancel and pause flags to shared
events, and turns the child's messages into the worker's Qt signals, exactly as a pool thread
would (gui/workers.py). Functions opt in with ``process_child.in_process(host)``.
"""
from __future__ import annotations

import atexit
import itertools
import multiprocessing as mp
import pickle
import queue
import sys
import threading
from contextlib import contextmanager
from types import SimpleNamespace

from faceviz_gui.gui import process_child

# The UI process stays at the user's priority; a map render a little below it (the UI thread
# wins the core when both want it), work nobody asked for far below (it yields to everything).
NICENESS = {"maps": 5, "training": 5, "background": 10}
MAX_THREADS = {"background": 1}
POLL_S = 0.05


class ProcessHost:
    def __init__(self, name: str, niceness: int = 0, max_threads: int = 0):
        self.name, self.niceness, self.max_threads = name, niceness, max_threads
        self._pending: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._proc = None
        self._ids = itertools.count(1)
        self.current = None          # the worker whose job the child runs now

    def submit(self, worker) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, daemon=True,
                                                name=f"faceviz-{self.name}-host")
                self._thread.start()
        self._pending.put(worker)

    def warm(self) -> None:
        """Start the child now (its imports take seconds), so the first job starts at once."""
        with self._lock:
            self._ensure_child()

    def shutdown(self, timeout: float = 2.0) -> None:
        self._pending.put(None)
        proc = self._proc
        if proc is not None and proc.is_alive():
            self._stop.set()
            self._running.set()
            self._tasks.put(None)
            proc.join(timeout)
            if proc.is_alive():      # a job that does not poll its stop flag: end the process
                proc.terminate()
                proc.join(timeout)

    # -- host thread ----------------------------------------------------------------------
    def _ensure_child(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            return
        ctx = mp.get_context("spawn")
        self._tasks, self._results = ctx.Queue(), ctx.Queue()
        self._stop, self._running = ctx.Event(), ctx.Event()
        self._proc = ctx.Process(target=process_child.serve, daemon=True, name=f"faceviz-{self.name}",
                                 args=(self._tasks, self._results, self._stop, self._running,
                                       self.niceness, self.max_threads))
        with _main_hidden():
            self._proc.start()

    def _loop(self) -> None:
        while True:
            worker = self._pending.get()
            if worker is None:
                return
            try:
                self._run_one(worker)
            except Exception as exc:  # the host must outlive one job's failure
                _emit(worker.signals.failed, f"worker process: {type(exc).__name__}: {exc}")
            finally:
                self.current = None
                worker.running = False
                _emit(worker.signals.done)

    def _run_one(self, worker) -> None:
        if worker.cancelled:
            return
        try:
            task = pickle.dumps((worker._fn, worker._args, worker._kwargs))
        except Exception as exc:
            _emit(worker.signals.failed, f"cannot hand the job to the worker process: {exc}")
            return
        with self._lock:
            self._ensure_child()
        job_id = next(self._ids)
        self._stop.clear()
        self._running.set()
        self.current = worker
        self._tasks.put((job_id, task))
        while True:
            if worker.cancelled:
                self._stop.set()
                self._running.set()
            elif worker.paused:
                self._running.clear()
            else:
                self._running.set()
            try:
                jid, kind, data = self._results.get(timeout=POLL_S)
            except queue.Empty:
                if not self._proc.is_alive():
                    _emit(worker.signals.failed, "the worker process ended unexpectedly "
                          f"(exit code {self._proc.exitcode}); the next job starts a new one")
                    return
                continue
            if jid != job_id:
                continue                 # late reports of a job before
            payload = pickle.loads(data)
            if kind == "report":
                _emit(worker.signals.progress, payload)
            elif kind == "result":
                _emit(worker.signals.finished, payload)
                return
            else:
                _emit(worker.signals.failed, payload)
                return


@contextmanager
def _main_hidden():
    """Start the child without re-running the parent's main script in it.

    'spawn' imports the parent's ``__main__`` file in the child (as ``__mp_main__``): a script
    without an ``if __name__ == "__main__"`` guard (a screenshot script that builds a window)
    would run again there. Job functions never live in ``__main__``, so the child needs none
    of it; without ``__file__`` (and with ``__spec__`` None) multiprocessing leaves it out.
    """
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main and k in main.__dict__}
    if "__file__" in saved:
        del main.__dict__["__file__"]
    if "__spec__" in saved:
        main.__spec__ = None
    try:
        yield
    finally:
        if main is not None:
            main.__dict__.update(saved)


def _emit(signal, *args) -> None:
    try:
        signal.emit(*args)
    except RuntimeError:         # the worker's signals object is gone (window closed)
        pass


class _Relay:
    """Stands in for a JobWorker on a host, relaying to the reporter of a calling thread."""

    def __init__(self, fn, args, kwargs, reporter):
        self._fn, self._args, self._kwargs, self.reporter = fn, args, kwargs, reporter
        self.cancelled, self.running = False, True
        self.outcome: tuple[str, object] = ("finished", None)   # cancelled before it began
        self.ended = threading.Event()
        self.signals = SimpleNamespace(
            progress=SimpleNamespace(emit=lambda r: reporter.report(**r)),
            finished=SimpleNamespace(emit=lambda v: setattr(self, "outcome", ("finished", v))),
            failed=SimpleNamespace(emit=lambda m: setattr(self, "outcome", ("failed", m))),
            done=SimpleNamespace(emit=self.ended.set))

    @property
    def paused(self) -> bool:
        return bool(getattr(self.reporter, "paused", False))


def call_in_process(name: str, fn, *args, reporter, **kwargs):
    """Run ``fn(*args, reporter=..., **kwargs)`` on host ``name`` and wait for its result,
    from a worker thread: its reports go to ``reporter``, its stop flag and pause follow the
    reporter's. The calling thread only waits (without the GIL); a failure in the process
    is raised here as a FaceVizError with the process's message."""
    from faceviz_gui.core.errors import FaceVizError
    relay = _Relay(fn, args, kwargs, reporter)
    host(name).submit(relay)
    stop = getattr(reporter, "stop_requested", None)
    while not relay.ended.wait(POLL_S):
        # A QtReporter's should_stop() would wait out a pause here; ask for the flag alone.
        if stop is not None:
            relay.cancelled = stop()
        elif not relay.paused:
            relay.cancelled = reporter.should_stop()
    kind, value = relay.outcome
    if kind == "failed":
        raise FaceVizError(str(value))
    return value


_hosts: dict[str, ProcessHost] = {}
_hosts_lock = threading.Lock()


def host(name: str) -> ProcessHost:
    with _hosts_lock:
        if name not in _hosts:
            _hosts[name] = ProcessHost(name, NICENESS.get(name, 0), MAX_THREADS.get(name, 0))
        return _hosts[name]


@atexit.register
def _shutdown_all() -> None:
    for h in list(_hosts.values()):
        h.shutdown()
