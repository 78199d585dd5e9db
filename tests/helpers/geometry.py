"""Layout assertions by geometry: widgets shown, inside the window, not clipped, not overlapping.

A screenshot is looked at once; these run on every test run. "Not clipped" means a widget got
at least the width its text needs (its minimum size hint, and for buttons and unwrapped labels
the size hint, which is the whole text), and that every ancestor up to the window contains it.
"""
from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget


def window_rect(widget: QWidget) -> QRect:
    """``widget``'s rectangle in its window's coordinates."""
    top = widget.window()
    return QRect(widget.mapTo(top, widget.rect().topLeft()), widget.size())


def visible_rect(widget: QWidget) -> QRect:
    """The part of ``widget`` its ancestors leave visible, in window coordinates."""
    r = window_rect(widget)
    p = widget.parentWidget()
    while p is not None:
        r = r.intersected(window_rect(p))
        p = p.parentWidget()
    return r


def assert_shown_whole(*widgets: QWidget, text_whole: bool = True) -> None:
    for w in widgets:
        name = w.objectName() or type(w).__name__ + (f" {w.text()!r}" if hasattr(w, "text") else "")
        assert w.isVisible(), f"{name} is hidden"
        full = window_rect(w)
        assert full.width() > 0 and full.height() > 0, f"{name} has no size"
        assert visible_rect(w) == full, f"{name} is clipped: {visible_rect(w)} of {full}"
        assert w.window().rect().contains(full), f"{name} {full} is outside the window"
        if text_whole and isinstance(w, QAbstractButton | QLabel) and not (
                isinstance(w, QLabel) and w.wordWrap()):
            assert w.width() >= w.sizeHint().width() - 1, \
                f"{name} is cut: {w.width()} px for {w.sizeHint().width()} px of text"


def assert_apart(*widgets: QWidget) -> None:
    rects = [(w, window_rect(w)) for w in widgets]
    for i, (a, ra) in enumerate(rects):
        for b, rb in rects[i + 1:]:
            assert not ra.intersects(rb), f"{a} {ra} overlaps {b} {rb}"


def wait_laid_out(qtbot, check, timeout: int = 3000) -> None:
    """Run ``check`` (assertions) once the layouts have settled: layouts apply on the event
    loop, so a check straight after a change sees the old geometry. Fails with the last error."""
    last: list[AssertionError] = []

    def ok() -> bool:
        try:
            check()
        except AssertionError as exc:
            last[:] = [exc]
            return False
        return True
    try:
        qtbot.waitUntil(ok, timeout=timeout)
    except Exception:
        raise last[0] if last else AssertionError("layout did not settle") from None
