"""Prune and Export model in the app: the preview with maps and reasons, pruning on a worker
with the verdict after, cancel, the pruned run under its parent, the export's figures."""
from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QMenu

from faceviz_gui.core.training.runs import list_runs
from faceviz_gui.gui.browser.export_model_dialog import ExportModelDialog
from faceviz_gui.gui.browser.prune_dialog import PruneDialog
from faceviz_gui.gui.browser.run_lineage import add_run_actions


@pytest.fixture
def context(runs_with_trained, gui_settings):
    from faceviz_gui.gui.context import AppContext
    return AppContext(runs_root=runs_with_trained, data_source="synthetic", settings=gui_settings)


@pytest.fixture
def parent_path(runs_with_trained) -> str:
    return str(list_runs(runs_with_trained)[0].path)


def test_preview_then_prune_shows_the_verdict(qtbot, context, parent_path, synthetic_small):
    dialog = PruneDialog(parent_path, context, data=synthetic_small, steps=4)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.table.rowCount() > 0, timeout=30000)
    assert "parameters" in dialog.summary.text()
    reasons = [dialog.table.item(i, 3).text() for i in range(dialog.table.rowCount())]
    assert all(reasons)
    qtbot.waitUntil(lambda: not dialog.table.item(0, 0).icon().isNull(), timeout=30000)
    dialog.grab().save("/tmp/prune_dialog_preview.png")
    dialog.epochs.setValue(1)
    with qtbot.waitSignal(dialog.pruned, timeout=60000) as sig, \
            qtbot.waitSignal(context.runsChanged, timeout=60000):
        dialog.prune_button.click()
    child = [r for r in list_runs(context.runs_root) if str(r.path) == sig.args[0]][0]
    assert child.status["parent"] == list_runs(context.runs_root)[0].id
    assert "Verdict:" in dialog.verdict.text() and "decision layers match" in dialog.verdict.text()
    assert "parent's test split" in dialog.verdict.text()
    dialog.grab().save("/tmp/prune_dialog_done.png")


def test_cancel_stops_the_pruning(qtbot, context, parent_path, synthetic_small):
    dialog = PruneDialog(parent_path, context, data=synthetic_small, steps=4)
    qtbot.addWidget(dialog)
    dialog.method.setCurrentIndex(1)              # magnitude
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=30000)
    dialog.epochs.setValue(20)
    dialog.prune_button.click()
    dialog.cancel()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60000)
    assert dialog.result.stopped and "Stopped" in dialog.message.text()
    assert dialog.preview_button.isEnabled()


def test_pruned_run_sits_under_its_parent(make_window, runs_with_trained, synthetic_small):
    from faceviz_gui.core.prune.prune_job import prune_run
    parent = list_runs(runs_with_trained)[0]
    child = prune_run(parent, "magnitude", 0.4, 0, runs_root=runs_with_trained,
                      data=synthetic_small, compare=False, measure=False).run
    w = make_window(runs=runs_with_trained)
    item = w.browser._find("run", str(child.path))
    assert item is not None and item.parent().data(0, 257) == str(parent.path)
    assert w.browser.select_run(str(child.path))
    assert w.browser.selected_experiment() == "experiment0"
    fields = w.browser.run_details.fields
    assert fields["Pruned from"].text().startswith(parent.id)
    assert "of its parent's" in fields["Parameters"].text()
    menu = QMenu()
    add_run_actions(menu, w.browser, str(child.path))
    names = [a.text() for a in menu.actions()]
    assert "Prune…" in names and "Export model…" in names


def test_export_model_dialog_shows_size_diff_and_latency(qtbot, context, parent_path,
                                                         synthetic_small, tmp_path):
    dialog = ExportModelDialog(parent_path, context, data=synthetic_small)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "net.onnx"))
    with qtbot.waitSignal(context.runsChanged, timeout=60000):
        dialog.export_button.click()
    assert (tmp_path / "net.onnx").is_file()
    assert "ms per image" in dialog.outcome.text() and dialog.result["max_abs_diff"] < 1e-4
    status = json.loads((list_runs(context.runs_root)[0].path / "status.json").read_text())
    assert status["deployment"]["latency_ms"] > 0
    dialog.format.setCurrentIndex(1)
    assert dialog.path.text().endswith(".pt")
    dialog.path.setText(str(tmp_path / "missing" / "net.pt"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "does not exist" in dialog.outcome.text(), timeout=30000)
