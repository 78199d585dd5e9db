"""The toolbar keeps every action at any width: full labels when wide, short ones at 1000 px,
icons alone when narrower; "Open run folder" never falls off the end."""
from __future__ import annotations

from geometry import wait_laid_out, window_rect
from PySide6.QtWidgets import QToolButton


def _check_all_shown(w) -> None:
    tb = w.actions_.toolbar
    tb_rect = window_rect(tb)
    for action in tb.actions():
        button = tb.widgetForAction(action)
        assert button is not None and button.isVisible(), f"{action.text()} is off the toolbar"
        assert tb_rect.contains(window_rect(button)), f"{action.text()} is cut"
    ext = tb.findChild(QToolButton, "qt_toolbar_ext_button")
    assert ext is None or not ext.isVisible()


def test_every_toolbar_action_shown_at_any_width(app_style, make_window, qtbot):
    w = make_window(size=(1600, 1000))
    fit = w.actions_.toolbar_fit
    folder = w.actions_.open_folder
    wait_laid_out(qtbot, lambda: _check_all_shown(w))
    assert fit.form == "full" and folder.iconText() == "Open run folder"

    w.resize(1000, 700)
    wait_laid_out(qtbot, lambda: (_check_all_shown(w), _is(fit.form, "short")))
    assert folder.iconText() == "Folder" and folder.text() == "&Open run folder"  # menus whole
    assert "folder" in folder.toolTip()

    w.resize(640, 600)
    wait_laid_out(qtbot, lambda: (_check_all_shown(w), _is(fit.form, "icons")))

    w.resize(1600, 1000)
    wait_laid_out(qtbot, lambda: _is(fit.form, "full"))
    assert folder.iconText() == "Open run folder"


def _is(a, b) -> None:
    assert a == b, (a, b)
