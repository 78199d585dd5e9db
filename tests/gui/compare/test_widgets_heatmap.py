"""HeatmapView, PairGrid and the spec-derived layer list, without a run."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.specs import find_spec, list_specs
from faceviz_gui.gui.pages.compare.pair_grid import PairGrid
from faceviz_gui.gui.widgets.heatmap_view import HeatmapView
from faceviz_gui.gui.widgets.image_utils import lut
from faceviz_gui.gui.widgets.layer_names import map_layers

LAYERS = ["conv2d_1", "conv2d_2", "conv2d_3", "dense_1", "dense_2", "dense_3"]


@pytest.mark.parametrize("name", sorted(list_specs()))
def test_layer_names_from_the_spec_match_the_built_model(name):
    spec = find_spec(name)
    info = [(i.name, i.units) for i in build_model(spec).layer_info() if i.kind in ("conv2d", "dense")]
    layers = map_layers(spec)
    assert [(l.name, l.units) for l in layers] == info
    assert [l.decision for l in layers] == [False] * (len(layers) - 1) + [True]


def test_heatmap_paints_values_in_colour_and_selects_by_click_and_keys(qtbot):
    h = HeatmapView()
    qtbot.addWidget(h)
    h.resize(600, 500)
    v = np.eye(6, dtype=np.float32) * 0.9 + 0.05
    v[2, 4] = np.nan
    h.set_matrix(v, LAYERS, LAYERS[:5] + ["dense_6"], title="Linear CKA", row_title="A", col_title="B")
    h.show()
    qtbot.waitExposed(h)
    img = h.grab().toImage()
    centre = h.cell_rect(0, 0).center().toPoint()
    dpr = img.devicePixelRatio()
    # A corner pixel of the cell (away from the written value) has the colour map's colour.
    corner = h.cell_rect(0, 0).topLeft().toPoint() + QPointF(3, 3).toPoint()
    c = img.pixelColor(int(corner.x() * dpr), int(corner.y() * dpr))
    expect = lut("viridis")[int(round(0.95 * 255))]
    assert max(abs(c.red() - int(expect[0])), abs(c.green() - int(expect[1])), abs(c.blue() - int(expect[2]))) < 12
    assert "–" in h.tooltip_text(2, 4) and "dense_6" in h.tooltip_text(1, 5)
    with qtbot.waitSignal(h.cellSelected) as sig:
        qtbot.mouseClick(h, Qt.MouseButton.LeftButton, pos=h.cell_rect(3, 1).center().toPoint())
    assert sig.args == [3, 1] and h.selected() == (3, 1)
    assert h.cell_at(QPointF(centre)) == (0, 0) and h.cell_at(QPointF(2, 2)) == (-1, -1)
    qtbot.keyClick(h, Qt.Key.Key_Right)
    qtbot.keyClick(h, Qt.Key.Key_Up)
    assert h.selected() == (2, 2)
    for _ in range(10):
        qtbot.keyClick(h, Qt.Key.Key_Down)
    assert h.selected() == (5, 2)                  # clamped at the edge


def test_pair_grid_sorts_best_first_and_fills_maps_as_they_come(qtbot):
    g = PairGrid()
    qtbot.addWidget(g)
    g.resize(600, 400)
    g.set_pairs([(0, 3, 0.2), (1, 0, 0.9), (2, 1, 0.6)], threshold=0.5)
    assert [(i, j, good) for i, j, _, good in g.pairs()] == [(1, 0, True), (2, 1, True), (0, 3, False)]
    assert g.images_shown() == 0
    img = np.random.default_rng(0).random((30, 32)).astype(np.float32)
    g.set_images("a", [0, 1, 2], [img] * 3)
    assert g.images_shown() == 0
    g.set_images("b", [0, 1], [img] * 2)
    assert g.images_shown() == 2
    g.show()
    qtbot.waitExposed(g)
    assert not g.grab().toImage().isNull()
