"""JobSlot: one wanted job at a time; late results of unwanted jobs go nowhere."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading

from PySide6.QtWidgets import QWidget

from faceviz_gui.gui.widgets.job_slot import JobSlot


def slow_job(release: threading.Event, value, reporter=None):
    while not release.wait(0.01):
        if reporter.should_stop():
            return "stopped"
        reporter.report(kind="progress", done=1, total=2)
    return value


def test_a_new_job_replaces_the_old_one_and_its_result_is_dropped(qtbot):
    slot = JobSlot()
    got = []
    first, second = threading.Event(), threading.Event()
    w1 = slot.start(slow_job, first, "one", on_finished=got.append)
    w2 = slot.start(slow_job, second, "two", on_finished=got.append)
    assert w1.cancelled and not w2.cancelled and slot.current is w2
    second.set()
    qtbot.waitUntil(lambda: slot.alive == 0, timeout=5000)
    assert got == ["two"] and not slot.busy


def test_owner_destroyed_mid_job_cancels_it_and_calls_nothing(qtbot):
    owner = QWidget()
    slot = JobSlot(owner)
    calls = []
    release = threading.Event()
    w = slot.start(slow_job, release, "x", on_progress=calls.append, on_finished=calls.append)
    qtbot.waitUntil(lambda: len(calls) > 0, timeout=5000)   # progress is flowing
    n = len(calls)
    owner.deleteLater()
    qtbot.waitUntil(lambda: w.cancelled, timeout=5000)
    qtbot.waitUntil(lambda: not w.running, timeout=5000)
    qtbot.wait(50)
    assert len(calls) <= n + 1 and "x" not in calls and "stopped" not in calls
