"""MapGrid and MapDetail with maps made from arrays: no torch, no run."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from faceviz_gui.core.maps.maptypes import FilterMap
from faceviz_gui.gui.widgets.image_utils import lut, signed_qimage, stretch, to_qimage
from faceviz_gui.gui.widgets.map_detail import MapDetail
from faceviz_gui.gui.widgets.map_grid import FINAL, PENDING, PREVIEW, TILE_SIZES, MapGrid


def fmap(i: int, dead: bool = False, h: int = 30, w: int = 32) -> FilterMap:
    yy, xx = np.mgrid[0:h, 0:w]
    img = (0.5 + 0.4 * np.sin(xx * (0.2 + 0.05 * i) + yy * 0.1)).astype(np.float32)
    return FilterMap("conv2d_1", i, np.full_like(img, 0.5) if dead else img, 1.0 + i,
                     np.linspace(0, -3, 16, dtype=np.float32), 0.01, 0.05, dead,
                     "flat map" if dead else "")


@pytest.fixture
def grid(qtbot):
    g = MapGrid()
    qtbot.addWidget(g)
    g.resize(700, 400)
    g.show()
    qtbot.waitExposed(g)
    return g


def test_qimage_conversion_grey_colour_and_stretch():
    img = np.linspace(0.4, 0.6, 32 * 30, dtype=np.float32).reshape(30, 32)
    q = to_qimage(img)
    assert (q.width(), q.height()) == (32, 30)
    assert q.pixelColor(0, 0).red() == round(0.4 * 255)
    s = stretch(img)
    assert s.min() == 0.0 and s.max() == 1.0          # faint map stretched to full range
    assert np.all(stretch(np.full((4, 4), 0.3)) == 0.5)  # flat map stays mid-grey
    qc = to_qimage(img, stretched=True, cmap="viridis")
    assert qc.pixelColor(0, 0).getRgb()[:3] == tuple(int(v) for v in lut("viridis")[0])
    k = signed_qimage(np.array([[-1.0, 0.0, 1.0]]))
    assert k.pixelColor(1, 0).red() > 240 and k.pixelColor(0, 0).blue() > k.pixelColor(0, 0).red()


def test_stages_go_placeholder_preview_final_and_never_back(grid):
    grid.reset(12, (30, 32), "conv2d_1")
    assert grid.stage_counts() == {PENDING: 12, PREVIEW: 0, FINAL: 0}
    grid.set_images([0, 1, 2], [fmap(i).image for i in range(3)], step=16)
    assert [grid.stage(i) for i in range(4)] == [PREVIEW, PREVIEW, PREVIEW, PENDING]
    grid.set_maps([fmap(i, dead=(i == 5)) for i in range(12)])
    assert grid.final_count() == 12
    grid.set_images([0], [np.zeros((30, 32), np.float32)], step=32)   # a late preview
    assert grid.stage(0) == FINAL and grid.tile(0).image.max() > 0


def test_hit_testing_matches_painted_rects_and_tooltips_say_why_dead(grid):
    grid.reset(20, (30, 32))
    grid.set_maps([fmap(i, dead=(i == 7)) for i in range(20)])
    for i in (0, 3, 7, 19):
        r = grid.tile_rect(i)
        if r.bottom() < grid.viewport().height():
            assert grid.index_at(r.center()) == i
    gap = grid.tile_rect(0).topRight() + QPoint(grid.GAP // 2 + 1, 0)
    assert grid.index_at(gap) == -1
    assert "flat map" in grid.tooltip_text(7) and "dead" in grid.tooltip_text(7)
    assert "dead" not in grid.tooltip_text(6)


def test_keyboard_moves_selection_zooms_and_asks_for_layers(grid, qtbot):
    grid.reset(40, (30, 32))
    grid.setFocus()
    cols = grid.columns()
    assert grid.current() == 0
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    assert grid.current() == 1
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert grid.current() == 1 + cols
    qtbot.keyClick(grid, Qt.Key.Key_Left)
    qtbot.keyClick(grid, Qt.Key.Key_Up)
    assert grid.current() == 0
    qtbot.keyClick(grid, Qt.Key.Key_End)
    assert grid.current() == 39
    sb = grid.verticalScrollBar()
    assert sb.value() > 0 and grid.tile_rect(39).bottom() <= grid.viewport().height()
    w = grid.tile_width
    qtbot.keyClick(grid, Qt.Key.Key_Plus)
    assert grid.tile_width > w
    for _ in range(len(TILE_SIZES) + 1):
        qtbot.keyClick(grid, Qt.Key.Key_Minus)
    assert grid.tile_width == TILE_SIZES[0]
    with qtbot.waitSignal(grid.layerStepRequested) as sig:
        qtbot.keyClick(grid, Qt.Key.Key_PageDown)
    assert sig.args == [1]
    with qtbot.waitSignal(grid.currentChanged) as sig:
        r = grid.tile_rect(2)
        qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=r.center())
    assert sig.args == [2]


def test_detail_shows_stats_dead_reason_curve_kernel_and_top_images(qtbot):
    d = MapDetail()
    qtbot.addWidget(d)
    d.resize(360, 900)
    m = fmap(3, dead=True)
    d.show_map(m)
    assert "filter #3" in d.title.text()
    assert "flat map" in d.badge.text() and "Dead" in d.badge.text()
    assert d.stats["activation"].text() == "4"
    x, y = d.curve.getData()
    assert len(x) == 16 and y[-1] == pytest.approx(-3)
    d.show_kernel(np.arange(9, dtype=np.float32).reshape(3, 3) - 4)
    assert not d.kernel.isHidden() and d.kernel.kernel()[0, 0] == -4
    d.show_kernel(None)
    assert d.kernel.isHidden()
    d.set_top_images([(m.image, (1, 2, 10, 12), "0.9")] * 4)
    assert d.top_count() == 4
    with qtbot.waitSignal(d.displayChanged) as sig:
        d.stretch_box.setChecked(True)
    assert sig.args == [True, "grey"]
