"""Run Python's cyclic garbage collector on the UI thread only.

Left automatic, a collection runs on whichever thread happens to allocate, often a worker
training or rendering. If it then frees a cycle holding a Qt wrapper, the C++ object is
deleted from the wrong thread; the shell engineer caught exactly that in gdb (a QGridLayout
wrapper followed after its object was freed, segfaulting the GUI test suite 2 runs in 3).
The usual cure for PySide/PyQt apps (pyqtgraph ships the same idea): switch automatic
collection off and collect from a UI-thread timer, generation by generation, only when the
counts pass the thresholds Python would have used.
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class UiThreadCollector(QObject):
    def __init__(self, interval_ms: int = 1000, parent: QObject | None = None):
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect)
        self.timer.start(interval_ms)

    def collect(self) -> None:
        t0, t1, t2 = self.thresholds
        c0, c1, c2 = gc.get_count()
        if c0 > t0:
            gen = 2 if (c1 > t1 and c2 > t2) else 1 if c1 > t1 else 0
            gc.collect(gen)

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()


_installed: UiThreadCollector | None = None


def install(app: QObject) -> UiThreadCollector:
    """Once per process, owned by the QApplication (so it lives in the UI thread)."""
    global _installed
    if _installed is None:
        _installed = UiThreadCollector(parent=app)
    return _installed
