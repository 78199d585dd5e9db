"""JobSlot: at most one wanted JobWorker at a time, for views that replace work often.

Starting a job cancels the one before it; reports from a cancelled job are dropped (its
signals stay connected to lambdas that check it is still the wanted one), and every worker is
kept referenced until its ``done`` so Qt never deletes signals a pool thread still uses.
When the owner is destroyed (a window closed mid-job), the job is cancelled and its late
results go nowhere: the callbacks would touch deleted widgets.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject

from faceviz_gui.gui.workers import JobWorker


class JobSlot(QObject):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.current: JobWorker | None = None
        self.tag: Any = None
        self._alive: set[JobWorker] = set()
        # Plain Python state, readable after the C++ object is gone.
        state = self._state = {"alive": True, "workers": self._alive}
        self.destroyed.connect(lambda *_: _owner_gone(state))

    @property
    def busy(self) -> bool:
        """A wanted job is running."""
        return self.current is not None

    @property
    def alive(self) -> int:
        """Workers not yet done, cancelled ones included."""
        return len(self._alive)

    def start(self, fn: Callable[..., Any], *args: Any, tag: Any = None,
              on_progress: Callable[[dict], None] | None = None,
              on_finished: Callable[[Any], None] | None = None,
              on_failed: Callable[[str], None] | None = None, **kwargs: Any) -> JobWorker:
        self.cancel()
        w = JobWorker(fn, *args, **kwargs)
        self.current, self.tag = w, tag
        self._alive.add(w)
        st = self._state
        if on_progress is not None:
            w.progress.connect(lambda r, w=w: st["alive"] and w is self.current and on_progress(r))
        w.finished.connect(lambda v, w=w: st["alive"] and self._end(w, on_finished, v))
        w.failed.connect(lambda m, w=w: st["alive"] and self._end(w, on_failed, m))
        w.done.connect(lambda w=w: st["workers"].discard(w) if not st["alive"] else self._done(w))
        return w.start()

    def cancel(self) -> bool:
        """Cancel the wanted job, if any; True if there was one."""
        w, self.current, self.tag = self.current, None, None
        if w is not None:
            w.cancel()
            return True
        return False

    def _end(self, w: JobWorker, callback, value) -> None:
        if w is self.current:
            self.current, self.tag = None, None
            if callback is not None:
                callback(value)

    def _done(self, w: JobWorker) -> None:
        if w is self.current:       # finished without finished/failed reaching us
            self.current, self.tag = None, None
        self._alive.discard(w)


def _owner_gone(state: dict) -> None:
    state["alive"] = False
    for w in list(state["workers"]):
        w.cancel()
