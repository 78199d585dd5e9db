"""The Live page on the trained test runs, shown at 1280x760: the fixture its tests share
(test_live_layers.py overrides it with the run's data and a taller window)."""
from __future__ import annotations

import pytest

from faceviz_gui.gui.context import AppContext
from faceviz_gui.gui.pages.live.page import LivePanel


@pytest.fixture
def panel(qtbot, runs_with_trained, gui_settings):
    p = LivePanel(AppContext(runs_root=runs_with_trained, settings=gui_settings))
    qtbot.addWidget(p)
    p.resize(1280, 760)
    p.show()
    qtbot.waitExposed(p)
    yield p
    p.shutdown()
