"""A FACEVIZ_HOME or --runs that is a file stops the app with one message, not a traceback."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from faceviz_gui.gui.shell.app import run_app


def _answer_dialog(seen: list[str]) -> None:
    box = QApplication.activeModalWidget()
    if isinstance(box, QMessageBox):
        seen.append(box.text())
        box.accept()
    else:
        QTimer.singleShot(20, lambda: _answer_dialog(seen))


def test_home_that_is_a_file_is_one_message(qtbot, tmp_path, monkeypatch, capfd):
    home = tmp_path / "home"
    home.write_text("not a folder")
    monkeypatch.setenv("FACEVIZ_HOME", str(home))
    seen: list[str] = []
    QTimer.singleShot(0, lambda: _answer_dialog(seen))
    assert run_app(["faceviz-gui", "--data", "synthetic"]) == 2
    assert seen and "is not a folder" in seen[0] and "home" in seen[0]
    err = capfd.readouterr().err
    assert "faceviz-gui: error: FACEVIZ_HOME" in err and "Traceback" not in err


def test_runs_under_a_file_is_one_message(qtbot, tmp_path, monkeypatch):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    monkeypatch.setenv("FACEVIZ_HOME", str(tmp_path / "fine"))
    seen: list[str] = []
    QTimer.singleShot(0, lambda: _answer_dialog(seen))
    assert run_app(["faceviz-gui", "--data", "synthetic", "--runs", str(blocker / "runs")]) == 2
    assert seen and "which is a file" in seen[0]
