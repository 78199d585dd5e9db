"""The Live page on the trained test runs: ``open_panel(ctx, size)`` shows one and shuts it
down after the test; ``panel`` is one at 1280x760 (test_live_layers.py overrides it with the
run's data and a taller window)."""
from __future__ import annotations

import pytest

from faceviz_gui.gui.context import AppContext
from faceviz_gui.gui.pages.live.page import LivePanel


@pytest.fixture
def open_panel(qtbot):
    opened = []

    def open_(ctx: AppContext, size: tuple[int, int] = (1280, 760)) -> LivePanel:
        p = LivePanel(ctx)
        qtbot.addWidget(p)
        p.resize(*size)
        p.show()
        qtbot.waitExposed(p)
        opened.append(p)
        return p

    yield open_
    for p in opened:
        p.shutdown()


@pytest.fixture
def panel(open_panel, runs_with_trained, gui_settings):
    return open_panel(AppContext(runs_root=runs_with_trained, settings=gui_settings))
