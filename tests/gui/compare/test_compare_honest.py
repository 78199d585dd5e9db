"""Compare says what is true and fits a 1000x700 window: no stale "no trained runs" beside
runs, A and B never the same run by default, decision units by class name, matched "of what",
"silent" explained apart from the Gallery's "dead", the split beside the accuracies; the CKA
labels apart and the verdict whole, checked by geometry."""
from __future__ import annotations

import shutil

from geometry import assert_apart, assert_shown_whole, wait_laid_out
from PySide6.QtWidgets import QScrollArea

from faceviz_gui.core.training.runs import Run


def _two_runs(trained_run, root):
    a = Run(shutil.copytree(trained_run.path, root / trained_run.id,
                            ignore=shutil.ignore_patterns("cache")))
    b = Run(shutil.copytree(a.path, root / (a.id + "-copy")))
    return a, b


def test_footer_and_defaults_follow_the_runs(make_window, trained_run, tmp_path, qtbot):
    root = tmp_path / "runs"
    root.mkdir(exist_ok=True)
    w = make_window(runs=root)
    w.context.settings.setValue("compare/a", "")
    panel = w.page("compare")
    assert panel.status.text().startswith("No trained runs yet")
    a, b = _two_runs(trained_run, root)
    w.context.runsChanged.emit()
    assert "No trained runs" not in panel.status.text()
    assert panel.status.text() == "2 trained runs: pick two and press Compare."
    pa, pb = panel.picker.paths()
    assert {pa, pb} == {str(a.path), str(b.path)}  # two different runs, not one twice

    # a saved choice of one run for both sides does not come back as the default
    w.context.settings.setValue("compare/a", str(a.path))
    w.context.settings.setValue("compare/b", str(a.path))
    panel.picker.combo_a.clear()
    panel.picker.combo_b.clear()
    panel.refresh_runs()
    pa, pb = panel.picker.paths()
    assert pa == str(a.path) and pb == str(b.path)


def test_words_and_layout_at_1000x700(make_window, trained_run, tmp_path, qtbot):
    root = tmp_path / "runs"
    root.mkdir(exist_ok=True)
    a, b = _two_runs(trained_run, root)
    w = make_window(runs=root, size=(1000, 700))
    w.context.settings.setValue("gallery/steps", 16)
    w.show_page("compare")
    panel = w.page("compare")
    panel.set_runs(str(a.path), str(b.path))
    with qtbot.waitSignal(panel.heatmap.cellSelected, timeout=60000):
        panel.compare()
    cmp = panel.comparison
    r, c = cmp.layers_a.index(cmp.decision_a), cmp.layers_b.index(cmp.decision_b)
    panel.heatmap.select(r, c)
    assert [panel.pairs.unit_name(0, i) for i in range(2)] == ["not_left", "left"]
    assert panel.pairs.unit_name(1, 1) == "left"
    title = panel.pair_title.text()
    assert "of the 2 one-to-one unit pairs match" in title and "A has 2 units, B 2" in title
    assert "test accuracy A / B (split by image)" == panel.summary.acc_caption.text()
    assert panel.combo_a.currentText().endswith("(split by image)")  # the picker's accuracy too
    panel.heatmap.select(0, 0)  # conv2d_1: silent filters, if any, are explained
    if panel.comparison.match_units("conv2d_1", "conv2d_1").silent_a:
        assert "constant on all" in panel.unmatched.text() and "dead" in panel.unmatched.text()

    page_scroll = next(p for p in _ancestors(panel) if isinstance(p, QScrollArea))
    room = panel.heatmap.label_room()

    def laid_out():
        assert not page_scroll.horizontalScrollBar().isVisible(), "the page scrolls sideways"
        assert_shown_whole(panel.heatmap, panel.results, panel.compare_button,
                           panel.export_button, panel.combo_a, panel.combo_b, text_whole=False)
        assert_shown_whole(panel.compare_button, panel.export_button)
        assert_apart(panel.heatmap, panel.results)
        assert_apart(panel.combo_a, panel.combo_b, panel.compare_button, panel.export_button)
        for gap, needed in room.values():
            assert gap >= needed, room  # CKA labels apart
        verdict = panel.verdict
        assert verdict.width() <= panel.results.viewport().width()
        assert verdict.height() >= verdict.heightForWidth(verdict.width()) - 1, "verdict cut"
    wait_laid_out(qtbot, laid_out)
    qtbot.waitUntil(lambda: panel.compare_slot.alive == 0 and panel.maps_slot.alive == 0,
                    timeout=30000)


def _ancestors(widget):
    p = widget.parentWidget()
    while p is not None:
        yield p
        p = p.parentWidget()
