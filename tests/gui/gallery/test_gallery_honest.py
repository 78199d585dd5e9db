"""The Gallery says what is there: no "choose a layer" without a run, the decision layer's units
by class name, "dead" explained as judged by the maps; and at 1000x700 the grid keeps
columns, the detail goes under it, nothing clipped or overlapping."""
from __future__ import annotations

from geometry import assert_apart, assert_shown_whole, wait_laid_out

from faceviz_gui.core.training.runs import list_runs


def _idle(panel):
    return lambda: (panel.render_slot.alive == 0 and panel.top_slot.alive == 0
                    and panel.peek_slot.alive == 0)


def test_empty_gallery_says_no_run_not_choose_a_layer(make_window, qtbot):
    w = make_window()
    w.show_page("gallery")
    gallery = w.page("gallery")
    qtbot.waitUntil(lambda: gallery.isVisible())
    assert gallery.layer_list.topLevelItemCount() == 0 and gallery.grid.count() == 0
    assert "No run selected" in gallery.grid._empty_text
    assert "Choose a layer" not in gallery.grid._empty_text


def test_decision_units_named_by_class_and_layout_at_1000x700(make_window, runs_with_trained,
                                                              qtbot):
    w = make_window(runs=runs_with_trained, size=(1000, 700))
    run = list_runs(runs_with_trained)[0]
    w.browser.select_run(str(run.path))
    w.show_page("gallery")
    gallery = w.page("gallery")
    gallery.set_steps(16)
    gallery.open_layer("dense_3")
    qtbot.waitUntil(lambda: gallery.grid.final_count() == 2 and not gallery.render_slot.busy,
                    timeout=30000)
    assert [gallery.grid.unit_name(i) for i in range(2)] == ["not_left", "left"]
    assert "test accuracy" in gallery.run_label.text() and "(split by image)" in gallery.run_label.text()
    assert "<b>left</b>" in gallery.grid.tooltip_text(1)
    gallery.grid.set_current(1)
    assert gallery.detail.title.text() == "dense_3 · left"
    assert "filter #" not in gallery.detail.title.text()
    assert "units dead (by their maps)" in gallery.status.text()

    gallery.open_layer("conv2d_1")  # 32 filters: the grid must show several columns
    assert gallery.grid.unit_name(3) == "filter #3"
    qtbot.waitUntil(lambda: gallery.grid.final_count() == 32 and not gallery.render_slot.busy,
                    timeout=30000)
    wait_laid_out(qtbot, lambda: (
        assert_shown_whole(gallery.layer_list, gallery.grid, gallery.detail, text_whole=False),
        assert_apart(gallery.layer_list, gallery.grid, gallery.detail),
        _columns(gallery)))
    qtbot.waitUntil(_idle(gallery), timeout=30000)


def _columns(gallery) -> None:
    grid = gallery.grid
    assert grid.columns() >= 2, grid.columns()
    last_of_row = grid.tile_rect(grid.columns() - 1)
    assert last_of_row.right() <= grid.viewport().width(), "a tile is clipped at the right"
