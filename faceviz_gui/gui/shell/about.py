"""Help > About: what FaceViz is, and the versions a bug report needs."""
from __future__ import annotations

import platform
import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout


def versions() -> dict[str, str]:
    import numpy

    from faceviz_gui import __version__
    out = {"FaceViz": __version__, "Qt": qVersion(), "PySide6": pyside_version,
           "numpy": numpy.__version__,
           "Python": f"{platform.python_version()} ({sys.implementation.name})"}
    torch = sys.modules.get("torch")  # imported by the warm-up job; never imported here
    out["torch"] = torch.__version__ if torch is not None else "not loaded yet"
    if torch is not None:
        out["Device"] = ("CUDA: " + torch.cuda.get_device_name(0)) if torch.cuda.is_available() \
            else "CPU"
    out["Platform"] = platform.platform(terse=True)
    return out


class AboutDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("About FaceViz")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.setSpacing(10)
        title = QLabel("FaceViz")
        title.setProperty("role", "title")
        blurb = QLabel("See what a small head-pose CNN learned, and why it fails on new faces: "
                       "HappyMaps for every filter, comparisons between networks, and live "
                       "attention on a webcam or your own photos.")
        blurb.setWordWrap(True)
        rows = "".join(f"<tr><td style='padding:1px 16px 1px 0;color:#5b6472'>{k}</td>"
                       f"<td style='padding:1px 0'><b>{v}</b></td></tr>"
                       for k, v in versions().items())
        table = QLabel(f"<table>{rows}</table>")
        table.setTextFormat(Qt.TextFormat.RichText)
        # the versions as a block of their own, set off from the blurb
        table.setStyleSheet("QLabel { background: #ffffff; border: 1px solid #dde1e6; "
                            "border-radius: 6px; padding: 8px 12px; }")
        table.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.versions_label = table
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(title)
        layout.addWidget(blurb)
        layout.addSpacing(2)
        layout.addWidget(table)
        layout.addSpacing(4)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)


class ShortcutsDialog(QDialog):
    """Help > Keyboard shortcuts: every window action that has one, read from the actions
    themselves so the list cannot go stale."""

    def __init__(self, actions, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        rows = []
        for act in actions:
            keys = ", ".join(s.toString(s.SequenceFormat.NativeText) for s in act.shortcuts())
            if keys:
                rows.append(f"<tr><td style='padding-right:18px'><b>{keys}</b></td>"
                            f"<td>{act.text().replace('&', '')}</td></tr>")
        extra = ("<tr><td colspan=2 style='padding-top:8px;color:#5b6472'>Gallery: arrow keys "
                 "move between filters, Page Up / Page Down change layer, + and - zoom</td></tr>")
        self.table = QLabel(f"<table>{''.join(rows)}{extra}</table>")
        self.table.setTextFormat(Qt.TextFormat.RichText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
