"""JobWorker with jobs marked in_process: they run in the worker process, same signals."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from process_jobs import count_job, failing_job, until_stopped_job  # tests/helpers

from faceviz_gui.gui.process_child import idle_threads
from faceviz_gui.gui.workers import JobWorker


def test_a_process_job_reports_and_returns_from_another_process(qtbot):
    w = JobWorker(count_job, 5)
    got: list[dict] = []
    w.progress.connect(got.append)
    with qtbot.waitSignal(w.finished, timeout=60000) as done:
        w.start()
    result = done.args[0]
    assert result["pid"] != os.getpid() and result["nice"] >= os.nice(0) and result["n"] == 5
    assert [r["step"] for r in got] == [0, 1, 2, 3, 4]
    assert got[-1]["images"].dtype.name == "float32" and got[-1]["images"][0, 0] == 4
    qtbot.waitUntil(lambda: not w.running, timeout=5000)


def test_a_failing_process_job_gives_its_one_line_message(qtbot):
    w = JobWorker(failing_job)
    with qtbot.waitSignal(w.failed, timeout=60000) as failed:
        w.start()
    assert failed.args == ["the weights are not there"]


def test_pause_and_cancel_reach_the_process(qtbot):
    w = JobWorker(until_stopped_job)
    kinds: list[str] = []
    w.progress.connect(lambda r: kinds.append(r["kind"]))
    w.start()
    qtbot.waitUntil(lambda: kinds.count("layer") >= 3, timeout=60000)
    w.pause()
    qtbot.waitUntil(lambda: "paused" in kinds, timeout=5000)
    held = kinds.count("layer")
    w.unpause()
    qtbot.waitUntil(lambda: "unpaused" in kinds and kinds.count("layer") > held + 2, timeout=5000)
    with qtbot.waitSignal(w.finished, timeout=5000) as done:
        w.cancel()
    assert done.args[0] >= held + 2


def test_threads_follow_the_idle_cores():
    assert idle_threads(cpus=2, load=0.0) == 1          # the UI keeps a core
    assert idle_threads(cpus=16, load=4.0) == 12
    assert idle_threads(cpus=16, load=40.0) == 1


def test_call_in_process_relays_reports_result_failure_and_stop():
    import threading

    import pytest

    from faceviz_gui.core.errors import FaceVizError
    from faceviz_gui.core.tasks import RecordingReporter
    from faceviz_gui.gui.process_host import call_in_process
    rec = RecordingReporter()
    assert call_in_process("maps", count_job, 3, reporter=rec)["n"] == 3
    assert [r["step"] for r in rec.of_kind("preview")] == [0, 1, 2]
    with pytest.raises(FaceVizError, match="the weights are not there"):
        call_in_process("maps", failing_job, reporter=RecordingReporter())
    stopper = RecordingReporter(stop_after=("layer", 3))
    out: list = []
    t = threading.Thread(target=lambda: out.append(call_in_process("maps", until_stopped_job, reporter=stopper)))
    t.start()
    t.join(60)
    assert not t.is_alive() and out[0] >= 3
