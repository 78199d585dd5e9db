"""`faceviz-gui`: the QApplication, its look, and a main window that paints before torch loads.

Startup order matters on a 2-core machine: Qt and the window first (no torch import on this
path), first paint, then a warm-up job imports torch and loads the data set off the UI thread
while the status bar shows progress.

FACEVIZ_STARTUP_PROBE=1 prints ``first_paint_wall=<time.time()>`` and ``torch_at_paint=0|1`` at
the first paint and quits without warming up; bench/startup.py uses it to time launches.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from importlib import resources
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFont, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.gui import settings as keys

PROBE_ENV = "FACEVIZ_STARTUP_PROBE"


def resource_path(name: str) -> Path:
    """A file in resources/ (top level in a checkout, faceviz_gui/resources in a wheel)."""
    return Path(str(resources.files("faceviz_gui.resources"))) / name


def app_icon() -> QIcon:
    return QIcon(str(resource_path("icons/faceviz.svg")))


def apply_style(app: QApplication) -> None:
    """Fusion, a light palette with one accent colour, and resources/style.qss."""
    app.setStyle("Fusion")
    pal = app.palette()
    colors = {
        QPalette.ColorRole.Window: "#f4f5f7", QPalette.ColorRole.Base: "#ffffff",
        QPalette.ColorRole.AlternateBase: "#f5f7fa", QPalette.ColorRole.Button: "#f7f8fa",
        QPalette.ColorRole.Text: "#1f2937", QPalette.ColorRole.WindowText: "#1f2937",
        QPalette.ColorRole.ButtonText: "#1f2937", QPalette.ColorRole.Highlight: "#2f6fdf",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#ffffff",
        QPalette.ColorRole.ToolTipText: "#1f2937", QPalette.ColorRole.Link: "#1d4fb8",
        QPalette.ColorRole.PlaceholderText: "#8a93a1",
    }
    for role, color in colors.items():
        pal.setColor(role, QColor(color))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#9aa2ae"))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#9aa2ae"))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#9aa2ae"))
    app.setPalette(pal)
    font = app.font()
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    try:
        app.setStyleSheet(resource_path("style.qss").read_text(encoding="utf-8"))
    except OSError:
        pass  # the app works unstyled; a missing stylesheet is not worth a dialog


def apply_zoom(app: QApplication, base_pt: float, zoom: float) -> None:
    font = QFont(app.font())
    font.setPointSizeF(max(6.0, base_pt * zoom))
    app.setFont(font)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="faceviz-gui", description="The FaceViz desktop app.")
    parser.add_argument("--data", help="data source: a CMU faces folder, a photo folder, or "
                        "'synthetic' (default: FACEVIZ_DATA, your CMU copy, or synthetic)")
    parser.add_argument("--runs", help="runs folder (default: the user data dir's runs/)")
    args, _qt_args = parser.parse_known_args(argv[1:])
    return args


def run_app(argv: list[str]) -> int:
    args = parse_args(list(argv))
    app = QApplication.instance() or QApplication(list(argv))
    app.setApplicationName("FaceViz")
    app.setOrganizationName("FaceViz")
    app.setApplicationDisplayName("FaceViz")
    app.setWindowIcon(app_icon())
    apply_style(app)
    from faceviz_gui.gui.gc_guard import install as install_gc_guard
    install_gc_guard(app)  # collect cycles on the UI thread only (see gc_guard.py)

    from faceviz_gui.gui.context import AppContext
    from faceviz_gui.gui.shell.main_window import MainWindow
    settings = keys.app_settings()
    source = args.data or os.environ.get("FACEVIZ_DATA") or keys.text(settings, keys.DATA_SOURCE) or None
    try:
        context = AppContext(runs_root=args.runs, data_source=source, settings=settings)
    except FaceVizError as exc:  # FACEVIZ_HOME or --runs is a file, say: one line, no traceback
        return startup_error(str(exc))
    # None lets the warm-up job resolve the default (the user's CMU copy, else synthetic).
    probing = bool(os.environ.get(PROBE_ENV))
    window = MainWindow(context, resolve_source=source is None, warm_up=not probing)
    if probing:
        def probe() -> None:
            print(f"first_paint_wall={time.time():.6f}", flush=True)
            print(f"torch_at_paint={int('torch' in sys.modules)}", flush=True)
            QTimer.singleShot(0, window.close)
        window.firstPainted.connect(probe, Qt.ConnectionType.QueuedConnection)
    window.show()
    return app.exec()


def startup_error(message: str) -> int:
    """Say why the app cannot start, on stderr and in a dialog, and give the exit status."""
    from PySide6.QtWidgets import QMessageBox
    print(f"faceviz-gui: error: {message}", file=sys.stderr, flush=True)
    QMessageBox.critical(None, "FaceViz cannot start",
                         f"{message}.\n\nPoint FACEVIZ_HOME (or --runs) at a folder, or unset it "
                         "to use your user data folder.")
    return 2


def main() -> int:
    return run_app(sys.argv)
