"""The Live test page fed like a camera (QVideoSink.setVideoFrame), by a video file played
through QMediaPlayer, by still photos and by a labelled folder."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json

import cv2
import numpy as np
from live_helpers import (  # tests/helpers is on sys.path (tests/conftest.py)
    background,
    cmu_shot,
    place,
    pose_run,
    unseen_shots,
)
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage
from PySide6.QtMultimedia import QVideoFrame

from faceviz_gui.core.data.photos import load_photo_folder
from faceviz_gui.gui.pages.live.photos import COLUMNS


def camera_frame(rgb: np.ndarray) -> QVideoFrame:
    img = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format.Format_RGB888)
    return QVideoFrame(img.copy())


def test_no_camera_is_a_message_and_nothing_else_breaks(panel, qtbot):
    assert panel.source.cameras() == []  # no camera on this machine or CI
    assert panel.bar.camera_combo.currentText() == "No camera found"
    assert not panel.start_camera()
    assert panel.banner.isVisible() and "No camera found" in panel.banner.text()
    assert panel.worker is not None and panel.worker.isRunning()  # the page still works
    panel.feed_frame(np.repeat(background()[..., None], 3, axis=2))
    qtbot.waitUntil(lambda: panel.results >= 1, timeout=20000)


def test_frames_through_the_video_sink_give_box_crop_overlay_and_bars(panel, qtbot, tmp_path):
    rgb = np.repeat(background()[..., None], 3, axis=2)
    for _ in range(5):  # faster than the worker: the surplus is dropped, never queued
        panel.source.sink.setVideoFrame(camera_frame(rgb))
    qtbot.waitUntil(lambda: panel.results >= 1, timeout=20000)
    r = panel.result
    assert r.crop.shape == (30, 32) and r.heatmap is not None and r.method == "gradcam"
    assert panel.crop_view.image() is not None and not panel.crop_view.image().isNull()
    assert panel.bars.classes == ["not_left", "left"]
    assert "latency" in panel.stats.text() and "no face" in panel.stats.text()
    # three short lines that elide, never wrap; the split of the latency is in the tooltip
    assert panel.stats.text().count("\n") == 2 and "detect" in panel.stats.toolTip()
    assert "of 5 frames dropped" in panel.stats.text()  # plain words, not "39 drop…"
    assert panel.worker.slot.received == 5
    assert panel.worker.dropped + panel.worker.processed <= 5

    # attention method and freeze: the frozen frame is explained again with the new method
    panel.set_frozen(True)
    n = panel.results
    panel.attention.method.setCurrentIndex(panel.attention.method.findData("saliency"))
    qtbot.waitUntil(lambda: panel.results > n and panel.result.method == "saliency", timeout=20000)
    panel.source.sink.setVideoFrame(camera_frame(rgb[::-1].copy()))  # ignored while frozen
    frozen = panel.frame
    qtbot.wait(50)
    assert panel.frame is frozen

    snap = panel.snapshot()
    assert {"frame", "crop", "overlay", "json"} <= set(snap)
    pred = json.loads(snap["json"].read_text())
    assert pred["predicted"] in ("not_left", "left") and pred["attention"] == "saliency"

    panel.actions.person.setText("Ann Lee")
    panel.actions.pose.setCurrentText("left")
    saved = panel.save_as_example()
    assert saved.parts[-4:] == ("webcam", "Ann-Lee", "left", "001.png")
    fs = load_photo_folder(saved.parents[2], (120, 128))
    assert [(r.person, r.pose) for r in fs.records] == [("Ann-Lee", "left")]
    panel.actions.person.setText("  ")
    assert panel.save_as_example() is None and "empty" in panel.banner.text()


def test_a_video_file_plays_through_the_page_and_stops_when_hidden(
        panel, qtbot, tmp_path, cmu_dir, tmp_path_factory):
    run = pose_run(cmu_dir, tmp_path_factory)
    panel.context._runs_root = run.path.parent
    panel.refresh_runs()
    panel.select_run(run.path)
    assert panel.run.path == run.path
    shot = cmu_shot(unseen_shots(run, cmu_dir, "straight", 1)[0])
    path = tmp_path / "face.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 15, (640, 480))
    for i in range(45):  # the head drifts right across three seconds
        frame, _ = place(shot, 60 + 4 * i, 90)
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    panel.play_video(path)
    assert panel.source.state == "video"
    qtbot.waitUntil(lambda: panel.results >= 5 and panel.result.box is not None, timeout=30000)
    r = panel.result
    assert r.frame_shape == (480, 640) and r.found
    assert panel.video.box is not None and panel.video.region is not None
    # the box is on the drifting head (pose accuracy itself is test_live.py's business)
    assert 60 < r.box.cx < 60 + 4 * 44 + 320 and 90 < r.box.cy < 90 + 300
    assert r.predicted_class in ("straight", "left", "right", "up") and r.heatmap is not None
    panel.grab().save(str(tmp_path / "live.png"))
    panel.hide()  # leaving the page stops playback
    assert panel.source.state == "stopped" and panel.source.player is None


def test_a_dropped_folder_fills_the_table_and_exports_csv(panel, qtbot, tmp_path):
    root = tmp_path / "amigos"
    rng = np.random.default_rng(0)
    for pose in ("left", "straight"):
        (root / "bob" / pose).mkdir(parents=True)
        for i in range(2):
            cv2.imwrite(str(root / "bob" / pose / f"{i}.png"), background(240, 320, seed=i))
    (root / "bob" / "left" / "bad.jpg").write_bytes(b"\xff\xd8 corrupt")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(root))])
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    panel.dropEvent(drop)
    qtbot.waitUntil(lambda: panel.photos.evaluation is not None, timeout=30000)
    ev = panel.photos.evaluation
    assert panel.tabs.currentIndex() == 1
    assert panel.photos.table.rowCount() == 4 and panel.photos.skipped.count() == 1
    assert "bad.jpg" in panel.photos.skipped.item(0).text()
    assert "Accuracy" in panel.photos.summary.text()
    assert panel.photos.confusion.matrix and sum(map(sum, panel.photos.confusion.matrix)) == 4
    # the file column takes the spare width; the matrix heads have room to be whole
    table, header = panel.photos.table, panel.photos.table.horizontalHeader()
    face, file = COLUMNS.index("Face"), COLUMNS.index("File")
    assert header.sectionSize(file) > header.sectionSize(face)
    assert sorted(table.item(i, file).text() for i in range(4)) == [
        "bob/left/0.png", "bob/left/1.png", "bob/straight/0.png", "bob/straight/1.png"]
    conf = panel.photos.confusion
    widest = max(conf.fontMetrics().horizontalAdvance(c) for c in conf.classes)
    assert conf.minimumSizeHint().width() >= 2 * widest
    out = panel.photos.export_csv(str(tmp_path / "t.csv"))
    assert len(out.read_text().splitlines()) == 1 + 4 + 1
    assert rng is not None and ev.rows[0].heatmap is not None


def test_a_still_photo_and_a_bad_file(panel, qtbot, tmp_path):
    good = tmp_path / "me.jpg"
    cv2.imwrite(str(good), background(300, 400))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"nope")
    panel.open_paths([bad])
    assert "bad.png" in panel.banner.text()
    panel.open_paths([good])
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.frame_shape == (300, 400),
                    timeout=20000)
    assert not panel.banner.isVisible()


def test_shutdown_stops_the_worker_thread(panel):
    worker = panel.worker
    panel.shutdown()
    assert panel.worker is None and worker.isFinished()


def test_a_broken_video_and_a_lost_camera_are_messages(panel, qtbot, tmp_path):
    from PySide6.QtMultimedia import QCamera
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42 this is not a video" * 20)
    panel.play_video(bad)
    qtbot.waitUntil(lambda: panel.banner.isVisible(), timeout=20000)
    assert "Cannot play this video" in panel.banner.text()
    assert panel.source.state == "stopped"
    # what a camera unplugged mid-stream reports (no camera here to unplug)
    panel.source._camera_error(QCamera.Error.CameraError, "device unplugged")
    assert "camera stopped: device unplugged" in panel.banner.text()
    assert panel.worker.isRunning()


def test_new_weights_of_the_run_in_use_start_a_fresh_worker(panel, qtbot):
    old = panel.worker
    panel.context.runUpdated.emit("/some/other/run")
    assert panel.worker is old
    panel.context.runUpdated.emit(str(panel.run.path))
    assert panel.worker is not old and panel.worker.isRunning()
    panel.feed_frame(np.repeat(background()[..., None], 3, axis=2))
    qtbot.waitUntil(lambda: panel.results >= 1, timeout=20000)


def test_mirror_flips_the_picture_not_what_the_network_sees(panel, qtbot, tmp_path):
    rgb = np.repeat(background(seed=5)[..., None], 3, axis=2)
    rgb[:, :200] = 0  # a dark left side, so a flip shows
    panel.source.sink.setVideoFrame(camera_frame(rgb))
    qtbot.waitUntil(lambda: panel.results >= 1, timeout=20000)
    first = panel.result
    panel.bar.mirror.setChecked(True)
    assert panel.video.mirror
    panel.source.sink.setVideoFrame(camera_frame(rgb))
    qtbot.waitUntil(lambda: panel.results >= 2, timeout=20000)
    np.testing.assert_array_equal(panel.result.crop, first.crop)
    shot = panel.video.grab().toImage()
    r = panel.video.image_rect()
    left = shot.pixelColor(int(r.left() + 20), int(r.center().y())).lightness()
    right = shot.pixelColor(int(r.right() - 20), int(r.center().y())).lightness()
    assert right < 10 < left  # the dark side is drawn on the right


def test_several_loose_photos_go_to_the_table_unscored(panel, qtbot, tmp_path):
    paths = []
    for i in range(2):
        paths.append(tmp_path / f"pic{i}.png")
        cv2.imwrite(str(paths[-1]), background(200, 260, seed=i))
    panel.open_paths(paths)
    qtbot.waitUntil(lambda: panel.photos.evaluation is not None, timeout=30000)
    assert panel.photos.table.rowCount() == 2
    assert [r.true for r in panel.photos.evaluation.rows] == ["", ""]
    assert panel.photos.table.item(0, COLUMNS.index("True")).text() == "–"  # not labelled
    assert "No labelled photos" in panel.photos.summary.text()


def test_class_names_are_whole_and_the_page_fits_beside_the_browser(panel, qtbot):
    """The predicted class is drawn bold: its name must fit the label column (it used to
    lose its first letter), and the page must fit what a 1000-pixel window leaves beside
    the 400-pixel experiment browser."""
    bars = panel.bars
    bars.resize(260, 80)
    for predicted in (0, 1):
        bars.set_values(["not_left", "left"], [0.9, 0.1] if predicted == 0 else [0.1, 0.9],
                        predicted=predicted)
        img = bars.grab().toImage()
        ink = [x for x in range(img.width()) for y in range(0, img.height(), 2)
               if img.pixelColor(x, y).lightness() < 120]
        assert ink and min(ink) >= 2, "a class name is cut at the left edge"
    assert panel.minimumSizeHint().width() <= 590
