"""The training page with real training on small synthetic faces (32x30): the plots grow, pause
holds, stop leaves a resumable checkpoint, resume finishes with test results, the UI never
stalls, and closing the window mid-training leaves a loadable checkpoint."""
from __future__ import annotations

import time

from PySide6.QtCore import QElapsedTimer, QTimer

from faceviz_gui.core.training import checkpoint
from faceviz_gui.core.training.runs import Run, list_runs

TINY = "tiny"  # the user experiment made by the tiny_experiment fixture (conftest.py)


def start(window, qtbot, epochs=4, batch=16):
    window.browser.select_experiment(TINY)
    panel = window.training_panel
    panel.epochs.setValue(epochs)
    panel.batch.setValue(batch)
    worker = panel.start_training(TINY)
    assert worker is not None
    qtbot.waitUntil(lambda: bool(panel.run_path), timeout=10000)
    return panel, worker


def test_train_watch_plots_grow_stop_and_resume(make_window, qtbot):
    w = make_window()
    panel, _ = start(w, qtbot, epochs=400, batch=8)
    assert w.actions_.stop.isEnabled() and not w.actions_.train.isEnabled()
    # The curves grow from the redraw timer, not per report.
    qtbot.waitUntil(lambda: panel.plots.point_count("batch_loss") >= 3, timeout=20000)
    qtbot.waitUntil(lambda: panel.plots.point_count("val_acc") >= 1, timeout=20000)
    grown = panel.plots.point_count("batch_loss")
    qtbot.waitUntil(lambda: panel.plots.point_count("batch_loss") > grown, timeout=20000)
    assert 0 < panel.progress.value() < 1000 and "ETA" in panel.state.text()

    with qtbot.waitSignal(panel.jobDone, timeout=20000):
        w.actions_.stop.trigger()
    run = Run(panel.run_path)
    assert run.state == "stopped" and checkpoint.load(run.path) is not None
    stopped_at = run.status["epoch"]
    assert stopped_at < 400 and "Resume" in panel.state.text()
    assert panel.resume_btn.isEnabled() and w.actions_.resume.isEnabled()
    # The browser lists the stopped run under its experiment.
    assert w.browser._find("run", str(run.path)) is not None

    # Resume it to a shorter finish: lower the run's epoch count on disk first (4 more).
    spec_text = (run.path / "spec.toml").read_text().replace("epochs = 400", f"epochs = {stopped_at + 2}")
    (run.path / "spec.toml").write_text(spec_text)
    with qtbot.waitSignal(panel.jobDone, timeout=60000):
        panel.resume_btn.click()
    run = Run(run.path)
    assert run.state == "done", run.status
    assert len(run.metrics()) == stopped_at + 2
    ev = run.evaluation()
    assert panel.test_acc.text() == f"{100 * ev['accuracy']:.1f}%"
    assert panel.people.rowCount() == len(ev["per_person"]) > 0
    assert panel.confusion.matrix == ev["confusion"]
    assert panel.plots.point_count("acc") >= stopped_at + 2


def test_pause_holds_in_memory_then_continues(make_window, qtbot):
    w = make_window()
    panel, worker = start(w, qtbot, epochs=400, batch=8)
    qtbot.waitUntil(lambda: panel.plots.point_count("batch_loss") >= 1, timeout=20000)
    panel.pause_btn.click()
    qtbot.waitUntil(lambda: panel.state.text().startswith("Paused, held in memory"), timeout=10000)
    assert panel.pause_btn.text() == "Continue" and worker.paused
    assert Run(panel.run_path).state == "running"  # held in memory, not stopped
    held = panel.plots.point_count("batch_loss")
    panel.pause_btn.click()
    assert panel.pause_btn.text() == "Pause" and not worker.paused
    qtbot.waitUntil(lambda: panel.plots.point_count("batch_loss") > held + 2, timeout=20000)
    with qtbot.waitSignal(panel.jobDone, timeout=20000):
        panel.stop_btn.click()
    assert Run(panel.run_path).state == "stopped"


def test_ui_never_stalls_during_training(make_window, qtbot):
    """Gaps between ticks of a 10 ms timer while a real training runs on the worker.

    The bound is on the 99th percentile: the one allowed outlier covers the process's own
    garbage collection or a neighbour on this shared 2-core machine, not the app (a UI thread
    blocked on torch shows as hundreds of gaps over 50 ms, not one)."""
    w = make_window()
    gaps: list[float] = []
    clock = QElapsedTimer()
    ticker = QTimer()
    ticker.setInterval(10)

    def tick():
        gaps.append(clock.restart())
    panel, _ = start(w, qtbot, epochs=400, batch=8)
    qtbot.waitUntil(lambda: panel.plots.point_count("batch_loss") >= 1, timeout=20000)
    clock.start()
    ticker.timeout.connect(tick)
    ticker.start()
    t0 = time.monotonic()
    qtbot.waitUntil(lambda: time.monotonic() - t0 > 3.0 or not panel.is_running(), timeout=20000)
    ticker.stop()
    training_ran = panel.is_running()  # 400 epochs: still going, unless it failed
    with qtbot.waitSignal(panel.jobDone, timeout=20000):
        panel.stop_training()
    assert training_ran and len(gaps) > 100
    gaps.sort()
    p99, worst = gaps[int(0.99 * (len(gaps) - 1))], gaps[-1]
    print(f"ticks={len(gaps)} p50={gaps[len(gaps) // 2]}ms p99={p99}ms max={worst}ms")
    assert p99 < 50, (p99, worst)


def test_closing_while_training_leaves_a_loadable_checkpoint(make_window, qtbot):
    w = make_window()
    panel, _ = start(w, qtbot, epochs=400, batch=8)
    qtbot.waitUntil(lambda: panel.plots.point_count("batch_loss") >= 2, timeout=20000)
    path = panel.run_path
    w.close()
    assert not panel.is_running()
    run = Run(path)
    assert run.state == "stopped" and checkpoint.load(run.path) is not None
    model = run.load_model()
    assert model.decision_layer == "dense_3"
    assert [r.id for r in list_runs(w.context.runs_root)] == [run.id]


def test_page_fits_beside_the_browser_in_a_1000_pixel_window(make_window, runs_with_trained,
                                                             qtbot):
    """At 1000x700 the page must not scroll sideways: the controls wrap to a second line, the
    plots and the results shrink. Measured as the live page's test does: the page's minimum
    width against what a 1000-pixel window leaves beside the 400-pixel experiment browser."""
    from PySide6.QtWidgets import QScrollArea

    w = make_window(runs=runs_with_trained, size=(1000, 700))
    w.show_page("training")
    panel = w.training_panel
    run = list_runs(runs_with_trained)[0]
    w.browser.select_run(str(run.path))  # curves, per-person table and confusion matrix
    qtbot.waitUntil(lambda: bool(panel.confusion.matrix), timeout=10000)
    panel.state.setText("Epoch 123/400 · batch 17/24 · loss 0.123 · acc 98.7% · 4321 img/s · "
                        "ETA 12:34")  # the longest status line training writes
    room = w.width() - w.dock.width()
    assert panel.minimumSizeHint().width() <= min(590, room), panel.minimumSizeHint()
    scroll = next(p for p in _ancestors(panel) if isinstance(p, QScrollArea))
    qtbot.waitUntil(lambda: panel.width() <= scroll.viewport().width())
    assert not scroll.horizontalScrollBar().isVisible()
    # the buttons moved to a line of their own, and stayed inside the page
    assert panel.train_btn.mapTo(panel, panel.train_btn.rect().topLeft()).y() > \
        panel.epochs.mapTo(panel, panel.epochs.rect().bottomLeft()).y()
    assert panel.resume_btn.mapTo(panel, panel.resume_btn.rect().topRight()).x() <= panel.width()

    w.resize(1400, 900)  # and wide, one line of controls again
    qtbot.waitUntil(lambda: panel.width() > 900)
    qtbot.waitUntil(lambda: abs(panel.train_btn.mapTo(panel, panel.train_btn.rect().center()).y()
                                - panel.epochs.mapTo(panel, panel.epochs.rect().center()).y()) <= 2)


def _ancestors(widget):
    p = widget.parentWidget()
    while p is not None:
        yield p
        p = p.parentWidget()
