"""What the app remembers between sessions, and where.

Every key lives here so a reader sees the whole list at once. The store is a QSettings: the
native one for users, an INI file for tests (``ini_settings(path)``) so they never touch the
user's real settings.
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QSplitter

GEOMETRY = "window/geometry"
WINDOW_STATE = "window/state"
SPLITTERS = "window/splitters/"        # + the splitter's objectName
LAST_EXPERIMENT = "session/experiment"
LAST_RUN = "session/run"
LAST_PAGE = "session/page"
ZOOM = "view/zoom"
DATA_SOURCE = "data/source"
GALLERY_LAYER = "gallery/layer"        # written by the gallery panel through context.settings
TRAIN_OVERLAY = "training/overlay"
BACKGROUND_RENDER = "view/background_render"   # render galleries before they are opened
FACE_FINDER = "live/face_finder"             # haar or centerface (gui/face_finder_menu.py)


def app_settings() -> QSettings:
    """The user's settings; FACEVIZ_SETTINGS=path.ini redirects them (tests, benchmarks)."""
    path = os.environ.get("FACEVIZ_SETTINGS")
    if path:
        return ini_settings(path)
    return QSettings("FaceViz", "FaceViz")


def ini_settings(path: str | Path) -> QSettings:
    return QSettings(str(path), QSettings.Format.IniFormat)


def text(settings: QSettings, key: str, default: str = "") -> str:
    value = settings.value(key, default)
    return value if isinstance(value, str) else default


def number(settings: QSettings, key: str, default: float) -> float:
    try:
        return float(settings.value(key, default))
    except (TypeError, ValueError):
        return default


def flag(settings: QSettings, key: str, default: bool) -> bool:
    value = settings.value(key, default)
    if isinstance(value, str):  # INI files give booleans back as text
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def save_splitters(settings: QSettings, splitters: list[QSplitter]) -> None:
    for s in splitters:
        settings.setValue(SPLITTERS + s.objectName(), s.saveState())


def restore_splitters(settings: QSettings, splitters: list[QSplitter]) -> None:
    for s in splitters:
        state = settings.value(SPLITTERS + s.objectName())
        if isinstance(state, QByteArray) and not state.isEmpty():
            s.restoreState(state)


def byte_array(settings: QSettings, key: str) -> QByteArray | None:
    value = settings.value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None
