"""Reviewing photos: an unlabelled photo is not tinted as wrong; the table sorts and filters;
a click on a confusion-matrix cell lists exactly that cell's photos, a second click all."""
from __future__ import annotations

import cv2
from geometry import assert_apart, assert_shown_whole, wait_laid_out
from live_helpers import background  # tests/helpers is on sys.path (tests/conftest.py)
from PySide6.QtCore import Qt

from faceviz_gui.gui.pages.live.photos import COLUMNS, WRONG


def _shown(photos) -> list[int]:
    return [t for t in range(photos.table.rowCount()) if not photos.table.isRowHidden(t)]


def test_unlabelled_photos_are_not_tinted_wrong(panel, qtbot, tmp_path):
    paths = []
    for i in range(3):
        paths.append(tmp_path / f"pic{i}.png")
        cv2.imwrite(str(paths[-1]), background(200, 260, seed=i))
    panel.open_paths(paths)
    qtbot.waitUntil(lambda: panel.photos.evaluation is not None, timeout=30000)
    table = panel.photos.table
    for t in range(3):
        for j in range(len(COLUMNS)):
            assert table.item(t, j).background().style() == Qt.BrushStyle.NoBrush
        assert "Not labelled" in table.item(t, 0).toolTip()
    panel.photos.outcome.setCurrentIndex(panel.photos.outcome.findData("wrong"))
    assert _shown(panel.photos) == []  # none is wrong: none was labelled
    panel.photos.outcome.setCurrentIndex(panel.photos.outcome.findData("unlabelled"))
    assert len(_shown(panel.photos)) == 3


def test_sort_filter_and_confusion_cells_filter_the_table(panel, qtbot, tmp_path):
    root = tmp_path / "amigos"
    for person in ("bob", "ann"):
        for pose in ("left", "straight"):
            (root / person / pose).mkdir(parents=True)
            for i in range(2):
                cv2.imwrite(str(root / person / pose / f"{i}.png"),
                            background(240, 320, seed=i + 7 * len(person) + len(pose)))
    panel.open_paths([root])
    qtbot.waitUntil(lambda: panel.photos.evaluation is not None, timeout=30000)
    photos = panel.photos
    table, ev = photos.table, photos.evaluation
    assert table.rowCount() == 8
    # wrong rows, and only they, are tinted
    for t in range(8):
        r = photos.row_of(t)
        assert (table.item(t, 0).background().color() == WRONG) == (not r.correct)

    conf_col = COLUMNS.index("Confidence")
    table.sortItems(conf_col, Qt.SortOrder.DescendingOrder)
    shown = [photos.row_of(t).confidence for t in range(8)]
    assert shown == sorted(shown, reverse=True)  # numbers, not text
    person_col = COLUMNS.index("Person")
    table.sortItems(person_col, Qt.SortOrder.AscendingOrder)
    assert [photos.row_of(t).person for t in range(8)] == ["ann"] * 4 + ["bob"] * 4

    photos.filter_text.setText("bob")
    assert {photos.row_of(t).person for t in _shown(photos)} == {"bob"} and len(_shown(photos)) == 4
    assert photos.shown.text() == "4 of 8 photos" and photos.show_all.isVisible()
    photos.clear_filter()
    assert len(_shown(photos)) == 8

    conf = photos.confusion
    for i, true in enumerate(ev.classes):
        for j, predicted in enumerate(ev.classes):
            qtbot.mouseClick(conf, Qt.MouseButton.LeftButton,
                             pos=conf.cell_rect(i, j).center().toPoint())
            rows = [photos.row_of(t) for t in _shown(photos)]
            assert len(rows) == conf.matrix[i][j]
            assert all(r.true == true and r.predicted == predicted for r in rows)
            assert conf.selected == (i, j)
    qtbot.mouseClick(conf, Qt.MouseButton.LeftButton, pos=conf.cell_rect(*conf.selected).center().toPoint())
    assert conf.selected is None and len(_shown(photos)) == 8

    # double-click reports the photo's own row whatever the sort
    table.sortItems(person_col, Qt.SortOrder.DescendingOrder)
    with qtbot.waitSignal(photos.rowActivated) as got:
        table.cellDoubleClicked.emit(0, 0)
    assert ev.rows[got.args[0]] is photos.row_of(0)

    # beside the browser in a 1000-pixel window the filter row is whole, its count readable
    panel.resize(590, 660)
    photos.filter_text.setText("ann")
    wait_laid_out(qtbot, lambda: (
        assert_shown_whole(photos.outcome, photos.show_all),
        assert_shown_whole(photos.filter_text, photos.shown, text_whole=False),
        assert_apart(photos.filter_text, photos.outcome, photos.shown, photos.show_all),
        _fits(photos.shown, "4 of 8 photos")))


def _fits(label, text: str) -> None:
    assert label.text() == text and label.fontMetrics().horizontalAdvance(text) <= label.width()
