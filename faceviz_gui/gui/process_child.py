"""The worker process's side of gui/process_host.py: run core jobs, send their reports back.

No Qt here: the child imports only what its jobs import. It runs one job at a time from
``tasks``, wraps its reporter around two shared events (``stop``, ``running``: cleared means
paused), and puts ``(job_id, kind, payload)`` tuples on ``results``: "report" (a report dict,
throttled to ~10 a second like gui/workers.QtReporter), then one "result" or "error".
"""
from __future__ import annotations

import os
import pickle
import traceback
from typing import Any

ALWAYS = ("epoch", "preview", "result", "layer", "stage", "run")


def idle_threads(cpus: int | None = None, load: float | None = None) -> int:
    """Torch threads for a job in the worker: the idle cores, keeping one for the UI."""
    from faceviz_gui.core.cpu import idle_threads as idle
    return idle(cpus, load, keep_free=1)


def in_process(host: str = "maps"):
    """Mark a job function to run in the worker process ``host`` (see gui/process_host.py).

    The function, its arguments and its result must pickle; it must not touch Qt.
    """
    def mark(fn):
        fn.process_host = host
        return fn
    return mark


class ChildReporter:
    def __init__(self, job_id: int, results, stop, running, interval: float = 0.1):
        from faceviz_gui.core.tasks import Throttle
        self.job_id, self.results, self.stop, self.running = job_id, results, stop, running
        self.throttle = Throttle(interval)

    def report(self, **values: Any) -> None:
        if values.get("kind") in ALWAYS or self.throttle.ready():
            send(self.results, self.job_id, "report", values)

    def should_stop(self) -> bool:
        if not self.running.is_set() and not self.stop.is_set():
            send(self.results, self.job_id, "report", {"kind": "paused"})
            while not self.running.wait(0.1):
                if self.stop.is_set():
                    break
            if not self.stop.is_set():
                send(self.results, self.job_id, "report", {"kind": "unpaused"})
        return self.stop.is_set()


def serve(tasks, results, stop, running, niceness: int, max_threads: int = 0) -> None:
    """The child's main loop; ``None`` on ``tasks`` ends it. ``max_threads`` 0: no cap."""
    if niceness:
        try:
            os.nice(niceness)
        except OSError:
            pass
    import torch

    from faceviz_gui.core.errors import FaceVizError
    while True:
        task = tasks.get()
        if task is None:
            return
        job_id, blob = task
        threads = idle_threads()
        torch.set_num_threads(min(threads, max_threads) if max_threads else threads)
        reporter = ChildReporter(job_id, results, stop, running)
        try:
            fn, args, kwargs = pickle.loads(blob)
            value = fn(*args, reporter=reporter, **kwargs)
        except FaceVizError as exc:
            send(results, job_id, "error", str(exc))
        except Exception as exc:  # a bug: keep the last frames for the message box
            send(results, job_id, "error", f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=4)}")
        else:
            send(results, job_id, "result", value)


def send(results, job_id: int, kind: str, payload: Any) -> None:
    """Pickled here, not in the queue's feeder thread, where a failure would vanish silently
    and leave the host waiting for a result that never comes."""
    try:
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an unpicklable value is a bug in the job
        kind, data = "error", pickle.dumps(f"{kind} not sendable from the worker process: {exc}")
    results.put((job_id, kind, data))
