"""The Reporter protocol that every long core job takes.

A job calls ``reporter.report(**values)`` with plain values (floats, ints, strings, numpy
arrays) and polls ``reporter.should_stop()`` each step; on stop it cleans up and returns what
it has. The GUI wraps a reporter into queued Qt signals, the CLI into a progress bar, and tests
pass a RecordingReporter. Nothing here knows about threads beyond a threading.Event.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, Protocol


class Reporter(Protocol):
    def report(self, **values: Any) -> None: ...

    def should_stop(self) -> bool: ...


class NullReporter:
    """Reports nowhere and never stops; the default for jobs called without one."""

    def report(self, **values: Any) -> None:
        pass

    def should_stop(self) -> bool:
        return False


class StopFlag:
    """A stop request shared between the thread that asks and the job that polls."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    def is_set(self) -> bool:
        return self._event.is_set()


class CallbackReporter:
    """Forwards each report to ``callback(dict)``; stops when ``stop`` is set."""

    def __init__(self, callback: Callable[[dict], None] | None = None,
                 stop: StopFlag | None = None) -> None:
        self._callback = callback
        self.stop = stop or StopFlag()

    def report(self, **values: Any) -> None:
        if self._callback is not None:
            self._callback(values)

    def should_stop(self) -> bool:
        return self.stop.is_set()


class RecordingReporter(CallbackReporter):
    """Keeps every report in ``self.reports``; can ask to stop after N reports of a kind.

    Meant for tests and scripts: ``stop_after=("batch", 3)`` sets the stop flag once three
    reports with ``kind="batch"`` have arrived.
    """

    def __init__(self, stop_after: tuple[str, int] | None = None) -> None:
        super().__init__()
        self.reports: list[dict] = []
        self._stop_after = stop_after

    def report(self, **values: Any) -> None:
        self.reports.append(values)
        if self._stop_after is not None:
            kind, n = self._stop_after
            if sum(1 for r in self.reports if r.get("kind") == kind) >= n:
                self.stop.set()

    def of_kind(self, kind: str) -> list[dict]:
        return [r for r in self.reports if r.get("kind") == kind]


class SideReporter:
    """Tags each report with the run it is about ("a" or "b"): two runs worked on side by side
    (compare, diagnose A and B) may name the same layer or stage."""

    def __init__(self, reporter: Reporter, side: str):
        self._r, self._side = reporter, side

    def report(self, **values: Any) -> None:
        self._r.report(side=self._side, **values)

    def should_stop(self) -> bool:
        return self._r.should_stop()


class Throttle:
    """True at most once per ``interval`` seconds; jobs use it to report ~10 times a second."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self._last = float("-inf")

    def ready(self) -> bool:
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            return True
        return False
