"""ExportDialog with real render_layer and export_gallery jobs on a tiny trained run."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import shutil
import time

import pytest
from analysis_shots import save_shot  # tests/gui is on sys.path (rootdir import mode)
from PySide6.QtCore import QSettings, Qt

from faceviz_gui.core.training.runs import Run
from faceviz_gui.gui.context import AppContext
from faceviz_gui.gui.pages.gallery.export_dialog import ExportDialog


@pytest.fixture
def dialog(qtbot, trained_run, tmp_path):
    root = tmp_path / "runs"
    run = Run(shutil.copytree(trained_run.path, root / trained_run.id,
                              ignore=shutil.ignore_patterns("cache")))
    ctx = AppContext(runs_root=root, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    ctx.current_run = str(run.path)
    d = ExportDialog(ctx)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    yield d
    qtbot.waitUntil(lambda: d.slot.alive == 0, timeout=30000)


def test_defaults_and_validation(dialog, tmp_path):
    assert dialog.run() is not None and dialog.run().path.parent == tmp_path / "runs"
    assert dialog.layers() == ["conv2d_1", "conv2d_2", "conv2d_3", "dense_1", "dense_2", "dense_3"]
    assert dialog.formats() == ["png", "html", "pdf"] and dialog.variants() == ["raw", "stretched"]
    assert dialog.folder.text().endswith(dialog.run().id)
    assert str(tmp_path) in dialog.folder.text()          # under FACEVIZ_HOME, not the real home
    dialog.set_layers([])
    assert not dialog.export_button.isEnabled() and "layer" in dialog.status.text()
    dialog.set_layers(["dense_3"])
    for cb in dialog.variant_boxes.values():
        cb.setChecked(False)
    assert not dialog.export_button.isEnabled() and "stretched" in dialog.status.text()
    dialog.variant_boxes["raw"].setChecked(True)
    assert dialog.export_button.isEnabled()


def test_export_writes_sheets_maps_html_pdf_and_offers_the_folder(qtbot, dialog, tmp_path):
    out = tmp_path / "export"
    dialog.folder.setText(str(out))
    dialog.set_layers(["conv2d_1", "dense_3"])
    dialog.set_steps(16)
    values = []
    dialog.progress.valueChanged.connect(values.append)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.cancel_button.isVisible() and not dialog.export_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60000)
    assert not dialog.result["stopped"]
    for rel in ("index.html", "metadata.json", "gallery.pdf", "sheets/conv2d_1_raw.png",
                "sheets/conv2d_1_stretched.png", "sheets/dense_3_raw.png"):
        assert (out / rel).is_file(), rel
    assert len(list((out / "maps" / "conv2d_1").glob("*.png"))) == 32 * 2
    assert (out / "gallery.pdf").read_bytes()[:5] == b"%PDF-"
    meta = json.loads((out / "metadata.json").read_text())
    assert [l["layer"] for l in meta["layers"]] == ["conv2d_1", "dense_3"]
    assert meta["settings"]["steps"] == 16
    assert values and values == sorted(values)           # the bar only moves forward
    assert dialog.open_button.isVisible() and "Done" in dialog.status.text()
    assert not dialog.cancel_button.isVisible()
    save_shot(dialog, "export_dialog", tmp_path)


def test_cancel_stops_the_export_and_writes_no_index(qtbot, dialog, tmp_path):
    out = tmp_path / "export"
    dialog.folder.setText(str(out))
    dialog.set_steps(4096)                                 # far longer than the test waits
    dialog.start_export()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=30000)
    worker = dialog.slot.current
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert worker.cancelled and "cancelled" in dialog.status.text()
    t0 = time.monotonic()
    qtbot.waitUntil(lambda: not worker.running, timeout=10000)
    assert time.monotonic() - t0 < 10
    assert not (out / "index.html").exists() and not (out / "metadata.json").exists()
    assert dialog.export_button.isEnabled() and not dialog.open_button.isVisible()


def test_a_folder_that_cannot_be_made_is_reported(qtbot, dialog, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    dialog.folder.setText(str(blocker / "export"))
    dialog.set_layers(["dense_3"])
    dialog.set_steps(16)
    dialog.start_export()
    qtbot.waitUntil(lambda: "failed" in dialog.status.text(), timeout=30000)
    assert "cannot write" in dialog.status.text()
    assert dialog.export_button.isEnabled() and not dialog.open_button.isVisible()
