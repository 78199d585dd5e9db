"""ComparePanel with real compare_runs and render_layer jobs on tiny runs."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import shutil

import numpy as np
import pytest
from analysis_shots import save_shot  # tests/gui is on sys.path (rootdir import mode)
from PySide6.QtCore import QSettings, Qt

from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.runs import Run, create_run
from faceviz_gui.gui.context import AppContext
from faceviz_gui.gui.pages.compare.page import ComparePanel


@pytest.fixture
def runs(trained_run, tiny_spec, tmp_path):
    """The trained run, an exact copy of it, and an untrained ex1-1 (half the filters)."""
    root = tmp_path / "runs"
    a = Run(shutil.copytree(trained_run.path, root / trained_run.id,
                            ignore=shutil.ignore_patterns("cache")))
    same = Run(shutil.copytree(a.path, root / (a.id + "-copy")))
    half = tiny_spec.copy(name="ex1-1")
    for _i, layer in enumerate(half.layers):
        if layer.type == "conv2d":
            layer.filters //= 2
    b = create_run(half, root)
    b.set_status(state="done")
    b.save_weights(build_model(half, seed=1))
    return a, same, b


@pytest.fixture
def panel(qtbot, runs, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings.setValue("gallery/steps", 16)
    ctx = AppContext(runs_root=runs[0].path.parent, settings=settings)
    p = ComparePanel(ctx)
    qtbot.addWidget(p)
    p.resize(1280, 800)
    p.show()
    qtbot.waitExposed(p)
    yield p
    qtbot.waitUntil(lambda: p.compare_slot.alive == 0 and p.maps_slot.alive == 0
                    and p.export_slot.alive == 0, timeout=30000)


def test_lists_runs_and_compares_a_run_with_itself(qtbot, panel, runs, tmp_path):
    a, same, _ = runs
    assert panel.combo_a.count() == 3 and panel.combo_b.count() == 3
    assert not panel.results.isVisible()
    panel.set_runs(str(a.path), str(same.path))
    with qtbot.waitSignal(panel.heatmap.cellSelected, timeout=60000):
        qtbot.mouseClick(panel.compare_button, Qt.MouseButton.LeftButton)
    cka = panel.heatmap.values()
    assert cka.shape == (6, 6)
    assert np.allclose(np.diag(cka), 1.0, atol=1e-4)
    assert panel.agreement_value.text() == "100%"
    assert "same thing" in panel.verdict.text()
    assert panel.results.isVisible() and panel.verdict.isVisible()
    # The first layer with its best partner (itself): every unit matched to its twin.
    assert panel.heatmap.selected() == (0, 0)
    pairs = panel.pairs.pairs()
    silent = panel.comparison.match_units("conv2d_1", "conv2d_1").silent_a   # never vary: not matched
    assert len(pairs) == 32 - len(silent) and all(i == j and good for i, j, _, good in pairs)
    qtbot.waitUntil(lambda: panel.pairs.images_shown() == len(pairs) and not panel.maps_slot.busy,
                    timeout=30000)
    assert "none" in panel.unmatched.text()
    # Export: the matrix, the JSON and the matched maps of the pair on screen.
    out = tmp_path / "cmp"
    assert panel.export_button.isEnabled()
    panel.export_to(str(out))
    qtbot.waitUntil(lambda: panel.export_slot.alive == 0 and panel.export_button.isEnabled(), timeout=30000)
    assert (out / "cka.png").is_file() and (out / "matched_conv2d_1__conv2d_1.png").is_file()
    data = json.loads((out / "comparison.json").read_text())
    assert data["agreement"] == 1.0 and "same thing" in data["verdict"]
    assert "Wrote" in panel.status.text()


def test_compare_across_architectures_and_pick_a_layer_pair(qtbot, panel, runs, tmp_path):
    a, _, b = runs
    panel.set_runs(str(a.path), str(b.path))
    with qtbot.waitSignal(panel.heatmap.cellSelected, timeout=60000):
        panel.compare()
    assert panel.heatmap.values().shape == (6, 6)
    assert panel.verdict.text().startswith("Decision layers match at CKA")
    r = panel.heatmap.cell_rect(1, 1).center().toPoint()
    with qtbot.waitSignal(panel.heatmap.cellSelected) as sig:
        qtbot.mouseClick(panel.heatmap, Qt.MouseButton.LeftButton, pos=r)
    assert sig.args == [1, 1]
    assert panel.pair_title.text().startswith("conv2d_2 (A) ↔ conv2d_2 (B)")
    match = panel.comparison.match_units("conv2d_2", "conv2d_2")
    n = min(32 - len(match.silent_a), 16 - len(match.silent_b))   # one-to-one: the smaller side
    assert len(panel.pairs.pairs()) == n and n > 0
    assert "A conv2d_2" in panel.unmatched.text()
    qtbot.waitUntil(lambda: panel.pairs.images_shown() == n, timeout=30000)
    save_shot(panel, "compare", tmp_path)
    qtbot.keyClick(panel.heatmap, Qt.Key.Key_Down)
    assert panel.heatmap.selected() == (2, 1)


def test_cancel_drops_the_comparison(qtbot, panel, runs):
    a, same, _ = runs
    panel.set_runs(str(a.path), str(same.path))
    panel.compare()
    assert panel.cancel_button.isVisible() and not panel.compare_button.isEnabled()
    panel.cancel()
    assert "cancelled" in panel.status.text()
    assert panel.compare_button.isEnabled() and not panel.cancel_button.isVisible()
    qtbot.waitUntil(lambda: panel.compare_slot.alive == 0, timeout=30000)
    assert panel.comparison is None and panel.heatmap.values().size == 0
