"""The live layer view: frames fed like a camera (QVideoSink.setVideoFrame) and from a video
file; a filter selected (its activation, HappyMap and top images), the layer changed with
Page Down, most active first, freeze, and the view turned off."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import cv2
import numpy as np
import pytest
from live_helpers import background, cmu_shot, place, shots
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QVideoFrame

from faceviz_gui.gui.context import AppContext


@pytest.fixture
def panel(open_panel, runs_with_trained, gui_settings, synthetic_small):
    gui_settings.setValue("gallery/steps", 16)    # on-demand HappyMaps: a short render
    ctx = AppContext(runs_root=runs_with_trained, settings=gui_settings)
    ctx.set_faceset(4, synthetic_small)             # the data the run was trained on
    return open_panel(ctx, (1280, 900))


def camera_frame(rgb: np.ndarray) -> QVideoFrame:
    img = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format.Format_RGB888)
    return QVideoFrame(img.copy())


def shown(panel, layer: str):
    acts = panel.layers.acts
    return acts is not None and acts.layer == layer


def test_camera_frames_light_up_the_layer_and_a_filter_shows_its_maps(panel, qtbot):
    lv, grid = panel.layers, panel.layers.grid
    assert lv.layer == "conv2d_1" and lv.layer_combo.count() == 6   # 3 conv, 3 dense
    rgb = np.repeat(background()[..., None], 3, axis=2)
    panel.source.sink.setVideoFrame(camera_frame(rgb))
    qtbot.waitUntil(lambda: shown(panel, "conv2d_1"), timeout=20000)
    acts = panel.result.layer
    assert grid.count() == 32 and acts.maps.shape[0] == 32     # every filter of the layer
    # the maps are the crop's own: the network's conv2d_1 on the crop the page shows
    assert acts.maps.shape[1:] == (28, 30) and np.allclose(acts.values, acts.maps.mean(axis=(1, 2)))

    grid.setFocus()
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    qtbot.keyClick(grid, Qt.Key.Key_Down)        # one row down, as in the gallery
    unit = 1 + grid.columns()
    assert grid.current() == unit
    assert f"filter #{unit}" in lv.detail.title.text()
    assert lv.detail.activation.image() is not None
    qtbot.waitUntil(lambda: lv.detail.happymap.image() is not None, timeout=60000)
    qtbot.waitUntil(lambda: lv.detail.top_count() == 9, timeout=60000)

    lv.sort.setChecked(True)                     # most active first; the selection stays
    order = grid.order()
    assert sorted(order) == list(range(32)) and grid.current() == unit
    assert np.all(np.diff(acts.values[order]) <= 0)
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.unit_rect(2).center())
    assert grid.current() == order[2]           # a click picks the tile under it

    qtbot.keyClick(grid, Qt.Key.Key_PageDown)    # next layer: the frame on screen again
    assert lv.layer == "conv2d_2"
    qtbot.waitUntil(lambda: shown(panel, "conv2d_2"), timeout=20000)
    assert grid.count() == 32 and panel.result.layer.maps.shape[1:] == (12, 13)
    for _ in range(4):
        qtbot.keyClick(grid, Qt.Key.Key_PageDown)
    assert lv.layer == "dense_3"                 # the decision layer: a bar per class
    qtbot.waitUntil(lambda: shown(panel, "dense_3"), timeout=20000)
    acts = lv.acts
    assert acts.maps is None and acts.names == ("not_left", "left") and grid.count() == 2
    assert int(np.argmax(acts.values)) == panel.result.predicted
    lv.sort.setChecked(False)
    assert grid.current() == 0 and "dense_3 · not_left · logit" in lv.detail.title.text()
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    assert grid.current() == 1 and "dense_3 · left · logit" in lv.detail.title.text()


def test_freeze_keeps_the_view_still_and_a_new_layer_explains_the_frozen_frame(panel, qtbot):
    lv = panel.layers
    panel.source.sink.setVideoFrame(camera_frame(np.repeat(background()[..., None], 3, axis=2)))
    qtbot.waitUntil(lambda: shown(panel, "conv2d_1"), timeout=20000)
    panel.set_frozen(True)
    frozen, acts, n = panel.frame, lv.acts, panel.results
    other = np.repeat(background(seed=5)[..., None], 3, axis=2)
    panel.source.sink.setVideoFrame(camera_frame(other))    # dropped while frozen
    lv.grid.set_current(4)
    assert lv.acts is acts and panel.frame is frozen and "filter #4" in lv.detail.title.text()
    lv.step_layer(1)                             # the frozen frame is explained again
    qtbot.waitUntil(lambda: shown(panel, "conv2d_2"), timeout=20000)
    assert panel.frame is frozen and panel.results == n + 1
    assert panel.worker.slot.received == 2       # the first frame and the re-explained one

    lv.enabled.setChecked(False)                 # the view off: no hook, nothing shipped
    assert lv.layer is None and lv.body.isHidden()
    panel.set_frozen(False)
    panel.source.sink.setVideoFrame(camera_frame(other))
    qtbot.waitUntil(lambda: panel.results > n + 1, timeout=20000)
    assert panel.result.layer is None


def test_the_layer_view_follows_a_video_file(panel, qtbot, tmp_path, cmu_dir):
    shot = cmu_shot(shots(cmu_dir, "straight", 1)[0])
    path = tmp_path / "face.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 15, (640, 480))
    for i in range(30):                          # the head drifts right for two seconds
        frame, _ = place(shot, 60 + 5 * i, 90)
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    panel.layers.step_layer(3)                   # dense_1: a bar per unit
    assert panel.layers.layer == "dense_1"
    panel.play_video(path)
    qtbot.waitUntil(lambda: panel.results >= 3 and panel.result.found and shown(panel, "dense_1"),
                    timeout=30000)
    acts = panel.layers.acts
    assert acts.maps is None and len(acts) == 64 and panel.layers.grid.count() == 64
    assert acts.names[0] == "#0" and np.all(acts.values >= 0)   # post-ReLU units
    first = panel.result.frame_index
    qtbot.waitUntil(lambda: panel.result.frame_index > first + 1, timeout=30000)
    assert panel.layers.acts is panel.result.layer   # each frame repaints the view
    panel.grab().save(str(tmp_path / "live_layers.png"))


def test_a_photo_shows_its_layer_too(panel, qtbot, tmp_path):
    path = tmp_path / "photo.png"
    cv2.imwrite(str(path), background(seed=2))
    panel.layers.step_layer(2)                   # conv2d_3
    assert panel.show_still(path)
    qtbot.waitUntil(lambda: shown(panel, "conv2d_3"), timeout=20000)
    assert panel.layers.grid.count() == 64 and panel.layers.acts is panel.result.layer
