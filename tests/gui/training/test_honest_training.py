"""The Training page and the browser say what is true: the data a new run trains on after a
switch, how the run's data was split beside every accuracy, which tested people were in
training, a paused run as paused, and other runs' curves (any experiment) on one plot."""
from __future__ import annotations

from geometry import assert_apart, assert_shown_whole, wait_laid_out
from PySide6.QtCore import Qt

from faceviz_gui.core.training.runs import Run, list_runs

TINY = "tiny"


def test_header_names_the_data_source_after_a_switch(make_window, tmp_path):
    w = make_window()
    w.browser.select_experiment(TINY)
    panel = w.training_panel
    assert "data: synthetic faces" in panel.subtitle.text()
    w.context.set_data_source(str(tmp_path / "cmu_faces"))
    assert "data: cmu_faces" in panel.subtitle.text()
    assert "synthetic" not in panel.subtitle.text()


def test_split_by_image_is_said_beside_the_accuracy(make_window, runs_with_trained, qtbot):
    w = make_window(runs=runs_with_trained)
    run = list_runs(runs_with_trained)[0]
    w.browser.select_run(str(run.path))
    panel = w.training_panel
    qtbot.waitUntil(lambda: bool(panel.confusion.matrix), timeout=10000)
    n = len(run.evaluation()["per_person"])
    assert f"Split by image: all {n} test people were in training too" in panel.results.test_note.text()
    people = panel.people
    assert not people.isColumnHidden(3) and people.horizontalHeaderItem(3).text() == "Trained"
    assert {people.item(i, 3).text() for i in range(people.rowCount())} == {"yes"}
    details = w.browser.run_details
    assert details.split_label.text() == "split by image, same people as training"
    item = w.browser._find("run", str(run.path))
    assert "split by image" in item.toolTip(1)


def test_leave_people_out_says_new_faces(make_window, tmp_path, synthetic_small, tiny_spec, qtbot):
    from faceviz_gui.core.training.fit import fit
    spec = tiny_spec.copy()
    spec.split.kind, spec.split.n_people = "people", 2
    spec.train.epochs = 1
    root = tmp_path / "runs"
    run = fit(spec, synthetic_small, runs_root=root, device="cpu").run
    tested = sorted(run.evaluation()["per_person"])
    assert len(tested) == 2

    w = make_window(runs=root)
    w.browser.select_run(str(run.path))
    panel = w.training_panel
    qtbot.waitUntil(lambda: bool(panel.confusion.matrix), timeout=10000)
    assert ("2 people left out of training: none of the 2 test people were in training (new faces)"
            in panel.results.test_note.text())
    assert [panel.people.item(i, 3).text() for i in range(2)] == ["no", "no"]
    assert "people never trained on" in w.browser.run_details.split_label.text()


def test_paused_run_is_paused_in_the_browser_not_training(make_window, qtbot):
    w = make_window()
    w.browser.select_experiment(TINY)
    panel = w.training_panel
    panel.epochs.setValue(400)
    panel.batch.setValue(8)
    panel.start_training(TINY)
    qtbot.waitUntil(lambda: panel.plots.point_count("batch_loss") >= 1, timeout=20000)
    w.browser.select_run(panel.run_path)
    panel.pause_btn.click()
    item = w.browser._find("run", panel.run_path)
    qtbot.waitUntil(lambda: "paused" in item.text(0), timeout=5000)
    assert "running" not in item.text(0)
    details = w.browser.run_details
    assert "paused" in details.fields["State"].text()
    assert details.accuracy.text() == "paused (held in memory)"
    panel.pause_btn.click()  # continue: "running" again
    qtbot.waitUntil(lambda: "running" in w.browser._find("run", panel.run_path).text(0), timeout=5000)
    with qtbot.waitSignal(panel.jobDone, timeout=20000):
        panel.stop_training()


def test_other_experiments_runs_on_one_plot(app_style, make_window, runs_with_trained, qtbot):
    """ex1-1 has no runs: "Same task" still overlays experiment0's; ticking a run in the
    browser plots it; smoothing and the log axis apply; the legend sits above the plots."""
    w = make_window(runs=runs_with_trained, size=(1000, 700))
    run = list_runs(runs_with_trained)[0]
    assert Run(run.path).status["experiment"] == "experiment0"
    w.browser.select_experiment("ex1-1")
    panel = w.training_panel
    bar = panel.overlay
    bar.set_mode("experiment")
    assert panel.plots.overlay_labels() == []
    bar.set_mode("task")
    assert len(panel.plots.overlay_labels()) == 1 and "experiment0" in panel.plots.overlay_labels()[0]
    assert panel.plots.runs_legend.isVisible() and "experiment0" in panel.plots.runs_legend.text()

    bar.set_mode("none")
    item = w.browser._find("run", str(run.path))
    item.setCheckState(0, Qt.CheckState.Checked)
    assert w.context.plot_runs == [str(run.path)] and bar.mode() == "ticked"
    assert len(panel.plots.overlay_items) == 2  # loss and accuracy

    _plot_item, curve = panel.plots.overlay_items[0]
    raw = list(curve.getData()[1])
    bar.smoothing.setValue(90)
    smoothed = list(panel.plots.overlay_items[0][1].getData()[1])
    assert len(smoothed) == len(raw) and smoothed != raw and smoothed[0] == raw[0]
    bar.log_loss.setChecked(True)
    assert panel.plots.loss_plot.getPlotItem().getAxis("left").logMode

    # No legend inside a plot (it covered the curves); the legend line is above them.
    for plot in (panel.plots.loss_plot, panel.plots.acc_plot):
        assert plot.getPlotItem().legend is None
    wait_laid_out(qtbot, lambda: (
        assert_shown_whole(panel.plots.legend, bar.mode_box, bar.log_loss, panel.train_btn,
                           panel.resume_btn, panel.plots.loss_plot, panel.plots.acc_plot),
        assert_apart(panel.plots.legend, panel.plots.loss_plot, panel.plots.acc_plot, bar)))
    # the settings persist
    assert w.context.settings.value("training/overlay_mode") == "ticked"
