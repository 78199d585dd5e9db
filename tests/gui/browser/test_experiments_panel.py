"""The experiment browser: the built-in experiments and the user's, their runs, details,
deleting a run and making a new experiment."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from faceviz_gui.core.training.runs import list_runs
from faceviz_gui.core.training.specs import user_models_dir
from faceviz_gui.gui.browser.experiments import KEY

BLOG = ["experiment0", "ex1-1", "ex1-2", "ex1-3", "ex1-4", "ex1-5", "ex1-6"]
EX2 = ["ex2-left", "ex2-pose"]  # experiment 2 (README Part 5), after the blog's


def top_names(browser) -> list[str]:
    t = browser.tree
    return [t.topLevelItem(i).data(0, KEY) for i in range(t.topLevelItemCount())]


def test_lists_the_seven_blog_experiments_then_the_users(make_window):
    w = make_window()
    assert top_names(w.browser) == BLOG + EX2 + ["tiny"]


def test_selecting_an_experiment_shows_its_architecture(make_window, qtbot):
    w = make_window()
    with qtbot.waitSignal(w.context.experimentSelected, timeout=5000) as sig:
        w.browser.select_experiment("ex1-2")
    assert sig.args == ["ex1-2"]
    d = w.browser.exp_details
    assert w.browser.details.currentWidget() is d
    names = [d.table.item(r, 0).text() for r in range(d.table.rowCount())]
    assert names[0] == "conv2d_1" and names[-1] == "dense_6"  # as in the blog
    assert d.table.item(d.table.rowCount() - 1, 2).text() == "2"
    from faceviz_gui.core.training.nets import build_model
    from faceviz_gui.core.training.specs import find_spec
    total = build_model(find_spec("ex1-2")).param_count()
    assert f"{total:,}" in d.fields["Parameters"].text()
    assert d.fields["Task"].text().startswith("left")
    assert "64×60" in d.fields["Input"].text()


def test_runs_listed_with_accuracy_and_per_person_details(make_window, runs_with_trained, qtbot):
    w = make_window(runs=runs_with_trained)
    run = list_runs(runs_with_trained)[0]
    item = w.browser._find("run", str(run.path))
    assert item is not None and item.parent().data(0, KEY) == "experiment0"
    ev = run.evaluation()
    assert item.text(1) == f"{100 * ev['accuracy']:.1f}%"
    assert w.browser.select_run(str(run.path))
    assert w.context.current_run == str(run.path) and w.context.current_experiment == "experiment0"
    rd = w.browser.run_details
    assert w.browser.details.currentWidget() is rd
    assert rd.people.rowCount() == len(ev["per_person"])
    assert "done" in rd.fields["State"].text() and "3 of 3" in rd.fields["Epochs"].text()
    # Selecting the experiment picks its newest run with weights for the other pages.
    with qtbot.waitSignal(w.context.runSelected, timeout=5000) as sig:
        w.browser.select_experiment("ex1-1")  # no runs: the pages clear
    assert sig.args == [""] and w.training_panel.plots.point_count("acc") == 0
    with qtbot.waitSignal(w.context.runSelected, timeout=5000) as sig:
        w.browser.select_experiment("experiment0")
    assert sig.args == [str(run.path)]
    # ...and the training page shows that run's curves and results.
    panel = w.training_panel
    assert panel.plots.point_count("acc") == len(run.metrics())
    assert panel.confusion.matrix == ev["confusion"]


def test_delete_run_asks_then_removes_the_folder(make_window, runs_with_trained, qtbot):
    w = make_window(runs=runs_with_trained)
    run = list_runs(runs_with_trained)[0]
    w.browser.select_run(str(run.path))

    def answer(button):
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and run.id in box.text()
        box.button(button).click()
    QTimer.singleShot(0, lambda: answer(QMessageBox.StandardButton.No))
    w.actions_.delete.trigger()
    assert run.path.exists()
    QTimer.singleShot(0, lambda: answer(QMessageBox.StandardButton.Yes))
    with qtbot.waitSignal(w.context.runsChanged, timeout=5000):
        w.actions_.delete.trigger()
    assert not run.path.exists()
    assert w.browser._find("run", str(run.path)) is None
    assert w.context.current_run == ""


def test_new_experiment_from_selected_is_saved_and_listed(make_window, qtbot):
    w = make_window()
    w.browser.select_experiment("ex1-1")

    def fill():
        from faceviz_gui.gui.browser.spec_editor import SpecEditorDialog
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SpecEditorDialog)
        dialog.widgets["name"].setText("ex1-1-wide")
        dialog.layers.cell(7, "size").setValue(128)  # dense_1: 64 -> 128 units
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    QTimer.singleShot(0, fill)
    w.actions_.new_exp.trigger()
    path = user_models_dir() / "ex1-1-wide.toml"
    assert path.is_file()
    assert "ex1-1-wide" in top_names(w.browser)
    assert w.browser.selected_experiment() == "ex1-1-wide"
    from faceviz_gui.core.training.specs import find_spec
    spec = find_spec("ex1-1-wide")
    assert spec.layers[7].units == 128 and spec.layers[0].filters == 16


def test_a_network_that_learns_the_poses_to_answer_left_says_so(make_window, qtbot):
    w = make_window()
    with qtbot.waitSignal(w.context.experimentSelected, timeout=5000):
        w.browser.select_experiment("ex2-left")
    d = w.browser.exp_details
    qtbot.waitUntil(lambda: d.table.rowCount() > 0, timeout=10000)
    assert d.fields["Task"].text() == "left: not_left / left (learns pose)"
    assert "straight / left / right / up" in d.fields["Task"].toolTip()
    assert d.table.item(d.table.rowCount() - 1, 2).text() == "4"  # the four poses' units
