"""Every page usable in a 1000x700 window, in the app's own style, asserted by geometry: no
page scrolls sideways, the controls and views that matter are shown whole, inside the window
and apart. A screenshot of each page goes to docs/screenshots/small_<page>.png with
FACEVIZ_SCREENSHOTS=1 (to the test's tmp folder otherwise), each checked to show something."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import cv2
import numpy as np
from geometry import assert_apart, assert_shown_whole, wait_laid_out
from live_helpers import background
from PIL import Image
from PySide6.QtWidgets import QScrollArea

from faceviz_gui.core.training.runs import list_runs

DOCS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def _save(window, tmp_path: Path, page: str) -> Path:
    want = os.environ.get("FACEVIZ_SCREENSHOTS", "")
    folder = DOCS if want == "1" else Path(want) if want else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"small_{page}.png"
    assert window.grab().save(str(path))
    img = np.asarray(Image.open(path).convert("L"), dtype=np.float32)
    assert img.shape[0] == 700 and 1000 <= img.shape[1] <= 1004 and img.std() > 10, page
    return path


def _no_sideways_scroll(window, key: str) -> None:
    host = window.hosts[key]
    scroll = host.findChild(QScrollArea)
    if scroll is not None:
        assert not scroll.horizontalScrollBar().isVisible(), f"{key} scrolls sideways"


def test_every_page_at_1000x700(app_style, make_window, runs_with_trained, qtbot, tmp_path):
    first = list_runs(runs_with_trained)[0]
    shutil.copytree(first.path, runs_with_trained / (first.id + "-b"))
    w = make_window(runs=runs_with_trained, size=(1000, 700))
    qtbot.waitUntil(lambda: all(h.built for h in w.hosts.values()), timeout=20000)
    w.context.settings.setValue("gallery/steps", 16)
    w.browser.select_run(str(first.path))

    t = w.training_panel
    w.show_page("training")
    qtbot.waitUntil(lambda: bool(t.confusion.matrix), timeout=10000)
    wait_laid_out(qtbot, lambda: (
        _no_sideways_scroll(w, "training"),
        assert_shown_whole(t.train_btn, t.pause_btn, t.stop_btn, t.resume_btn, t.overlay.mode_box,
                           t.overlay.log_loss, t.plots.legend, t.test_acc),
        assert_shown_whole(t.plots.loss_plot, t.plots.acc_plot, t.people, t.confusion,
                           text_whole=False),
        assert_apart(t.plots.loss_plot, t.plots.acc_plot, t.people, t.confusion)))
    _save(w, tmp_path, "training")

    g = w.page("gallery")
    w.show_page("gallery")
    g.set_steps(16)
    g.open_layer("conv2d_1")
    qtbot.waitUntil(lambda: g.grid.final_count() == 32 and not g.render_slot.busy, timeout=30000)
    wait_laid_out(qtbot, lambda: (
        _no_sideways_scroll(w, "gallery"),
        assert_shown_whole(g.layer_list, g.grid, g.detail, text_whole=False),
        assert_apart(g.layer_list, g.grid, g.detail),
        _true(g.grid.columns() >= 2, "one column of maps")))
    _save(w, tmp_path, "gallery")

    c = w.page("compare")
    w.show_page("compare")
    c.set_runs(str(first.path), str(runs_with_trained / (first.id + "-b")))
    with qtbot.waitSignal(c.heatmap.cellSelected, timeout=60000):
        c.compare()
    wait_laid_out(qtbot, lambda: (
        _no_sideways_scroll(w, "compare"),
        assert_shown_whole(c.compare_button, c.export_button),
        assert_shown_whole(c.heatmap, c.results, c.combo_a, c.combo_b, text_whole=False),
        assert_apart(c.heatmap, c.results),
        _true(all(gap >= need for gap, need in c.heatmap.label_room().values()), "labels overlap")))
    qtbot.waitUntil(lambda: c.maps_slot.alive == 0, timeout=30000)
    _save(w, tmp_path, "compare")

    live = w.page("live")
    w.show_page("live")
    b, vc = live.bar, live.video_controls
    video = tmp_path / "v.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 10, (320, 240))
    for i in range(10):
        writer.write(cv2.cvtColor(background(240, 320, seed=i), cv2.COLOR_GRAY2BGR))
    writer.release()
    live.play_video(video)
    qtbot.waitUntil(lambda: live.source.at_end, timeout=20000)  # the end note shown too
    wait_laid_out(qtbot, lambda: (
        _no_sideways_scroll(w, "live"),
        assert_shown_whole(b.camera_button, b.video_button, b.photos_button, b.folder_button,
                           b.stop_button, vc.play, vc.back, vc.on, vc.time, vc.loop),
        assert_shown_whole(vc.legend, vc.end_note, vc.seek, live.video, text_whole=False),
        assert_apart(b.camera_button, b.video_button, b.photos_button, b.folder_button,
                     b.stop_button),
        assert_apart(vc.play, vc.back, vc.on, vc.seek, vc.time, vc.loop)))
    _save(w, tmp_path, "live")
    live.stop_sources()

    for key in w.hosts:  # pages added later (their own tests check their insides)
        if key not in ("training", "gallery", "compare", "live"):
            w.show_page(key)
            wait_laid_out(qtbot, lambda key=key: _no_sideways_scroll(w, key))
            _save(w, tmp_path, key)


def _true(ok: bool, what: str) -> None:
    assert ok, what
