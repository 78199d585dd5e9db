"""Cyclic garbage made on a worker thread is collected on the UI thread, never on the worker."""
from __future__ import annotations

import gc
import threading


class Cycle:
    freed_on: list[str] = []

    def __init__(self):
        self.me = self

    def __del__(self):
        Cycle.freed_on.append(threading.current_thread().name)


def test_worker_garbage_is_collected_on_the_ui_thread(qtbot, ui_thread_gc):
    assert not gc.isenabled()
    Cycle.freed_on.clear()
    keep = []

    def worker():
        for _ in range(50):
            Cycle()
        # Far past gen-0's threshold: automatic collection would run right here, on this thread.
        # Kept alive, so the count stays over the threshold until the UI thread looks.
        keep.append([[] for _ in range(10 * gc.get_threshold()[0])])

    t = threading.Thread(target=worker, name="worker")
    t.start()
    t.join()
    assert Cycle.freed_on == []          # nothing collected on the worker
    qtbot.waitUntil(lambda: len(Cycle.freed_on) == 50, timeout=5000)
    assert set(Cycle.freed_on) == {threading.main_thread().name}
    keep.clear()
