"""DiagnosePanel with the real diagnosis job on a tiny run and folder: A and B side by side,
plots filled, hover, a mistake opened, export, cancel."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil

import pytest
from diagnose_helpers import write_photo_folder
from PySide6.QtCore import QSettings, Qt

from faceviz_gui.core.training.runs import Run
from faceviz_gui.gui.context import AppContext
from faceviz_gui.gui.pages.diagnose.page import DiagnosePanel


@pytest.fixture
def panel(qtbot, trained_run, synthetic_small, tmp_path):
    root = tmp_path / "runs"
    a = Run(shutil.copytree(trained_run.path, root / trained_run.id,
                            ignore=shutil.ignore_patterns("cache")))
    shutil.copytree(a.path, root / (a.id + "-b"))
    ctx = AppContext(runs_root=root, data_source="synthetic",
                     settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    ctx.set_faceset(4, synthetic_small)
    p = DiagnosePanel(ctx)
    qtbot.addWidget(p)
    p.resize(1400, 860)
    p.show()
    qtbot.waitExposed(p)
    p.controls.crop.setChecked(False)
    folder = write_photo_folder(synthetic_small, tmp_path / "photos", brighten=0.25, per_pose=4)
    (folder / "up" / "unreadable.png").write_bytes(b"not a png")
    p.controls.folder.setText(str(folder))
    yield p
    qtbot.waitUntil(lambda: p.job.alive == 0 and p.export_slot.alive == 0, timeout=60000)


def test_diagnoses_two_runs_side_by_side_and_shows_every_part(qtbot, panel, tmp_path):
    assert panel.controls.picker.combo_a.count() == 2
    assert not panel.right.isVisible()              # nothing to show before a diagnosis
    panel.controls.use_b.setChecked(True)
    with qtbot.waitSignal(panel.diagnosisShown, timeout=120000):
        qtbot.mouseClick(panel.controls.diagnose_button, Qt.MouseButton.LeftButton)
    a, b = panel.diag_a, panel.diag_b
    assert a is not None and b is not None and a.n == b.n == 16
    assert b.folder is a.folder                      # the folder was read once
    assert panel.right.isVisible()
    assert "experiment0 answers" in panel.findings_a.text() and panel.findings_b.isVisible()
    assert "Skipped 1 file(s)" in panel.findings_a.text() and "unreadable.png" in panel.findings_a.text()
    assert "1 file(s) skipped" in panel.controls.status.text()
    assert len(panel.sensitivity.plots) == len(a.curves) == 11
    xs, ys = panel.sensitivity.curves[("brightness", "a")].getData()
    assert list(xs) == a.curves["brightness"].values and len(ys) == len(xs)
    assert ("brightness", "b") in panel.sensitivity.curves
    lo, hi = panel.sensitivity.bands["brightness"].getRegion()
    assert hi < 0                                    # these photos are brighter than training
    assert len(panel.embedding.scatter.points()) == a.n
    hit = panel.embedding.hover_at(*a.embedding.points[3])
    assert hit >= 0 and panel.embedding.preview.image() is not None
    panel.tabs.setCurrentWidget(panel.embedding)
    view = panel.embedding.plot
    # the plot lays itself out once its tab shows: wait until point 5 is inside it
    qtbot.waitUntil(lambda: view.viewport().rect().contains(
        view.mapFromScene(panel.embedding.point_position(5))), timeout=5000)
    at = view.mapFromScene(panel.embedding.point_position(5))
    with qtbot.waitSignal(panel.mistakes.opened, timeout=5000) as sig:  # a point clicked
        qtbot.mouseMove(view.viewport(), at)
        qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
        qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert a.embedding.points[sig.args[0]] == pytest.approx(a.embedding.points[5], abs=1e-6)
    panel.mistakes.dialog.close()
    panel.embedding.layer.setCurrentText("conv2d_1")     # another layer: a new PCA
    assert panel.embedding.emb.layer == "conv2d_1" and len(panel.embedding.scatter.points()) == a.n
    assert panel.embedding.emb.points.tolist() != a.embedding.points.tolist()
    assert panel.mistakes.count() == len(a.mistakes())
    assert not panel.charts.pixmap().isNull()
    assert panel.mistakes.count() > 0
    panel.tabs.setCurrentWidget(panel.mistakes)
    rect = panel.mistakes.visualItemRect(panel.mistakes.item(0))
    with qtbot.waitSignal(panel.mistakes.opened, timeout=5000) as sig:
        qtbot.mouseClick(panel.mistakes.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert sig.args == [a.mistakes()[0]] and panel.mistakes.dialog.isVisible()
    panel.mistakes.dialog.grab().save(str(tmp_path.parent / "diag_dialog.png"))
    panel.grab().save(str(tmp_path.parent / "diag_panel.png"))
    panel.mistakes.dialog.close()
    panel.show_side.setCurrentIndex(1)
    assert panel.embedding.diag is b
    panel.export_to(str(tmp_path / "report"))
    qtbot.waitUntil(lambda: bool(panel.last_export), timeout=30000)
    assert (tmp_path / "report" / "index.html").exists()
    assert (tmp_path / "report" / "b" / "index.html").exists()
    assert "href='b/index.html'" in (tmp_path / "report" / "index.html").read_text()


def test_cancel_stops_the_job_and_shows_nothing(qtbot, panel):
    shown = []
    panel.diagnosisShown.connect(lambda: shown.append(1))
    panel.start()
    assert panel.controls.cancel_button.isVisible()
    qtbot.mouseClick(panel.controls.cancel_button, Qt.MouseButton.LeftButton)
    assert not panel.controls.cancel_button.isVisible()
    assert panel.controls.diagnose_button.isEnabled()
    qtbot.waitUntil(lambda: panel.job.alive == 0, timeout=60000)
    assert not shown and panel.diag_a is None


def test_bad_folder_is_a_message_not_a_crash(qtbot, panel, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: said.append(a[2]))
    (tmp_path / "empty").mkdir()
    panel.start(str(tmp_path / "empty"))
    qtbot.waitUntil(lambda: bool(said), timeout=30000)
    assert "no usable images" in said[0] and "no usable images" in panel.controls.status.text()


def test_ctrl_5_opens_the_diagnose_page_in_the_window(make_window, qtbot):
    w = make_window()
    qtbot.keyClick(w, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert w.current_page() == "diagnose"
    qtbot.waitUntil(lambda: w.hosts["diagnose"].built, timeout=20000)
    assert isinstance(w.hosts["diagnose"].panel, DiagnosePanel)
