"""A video file can be paused, stepped a frame, sought and looped through the page's own
controls; its end is a state that says so; dropped frames are counted in plain words; the
boxes on the video are explained beside it. Driven with a real mp4 through QMediaPlayer."""
from __future__ import annotations

import re
from pathlib import Path

import cv2
from live_helpers import background  # tests/helpers is on sys.path (tests/conftest.py)


def _video(path: Path, frames: int = 20, fps: int = 10) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (320, 240))
    for i in range(frames):
        writer.write(cv2.cvtColor(background(240, 320, seed=i), cv2.COLOR_GRAY2BGR))
    writer.release()
    return path


def test_pause_step_seek_end_and_loop(panel, qtbot, tmp_path):
    src, ctl = panel.source, panel.video_controls
    assert not ctl.play.isVisible() and ctl.legend.isVisible()  # no video: no video buttons
    assert "held box" in ctl.legend.text()
    panel.play_video(_video(tmp_path / "v.mp4"))
    qtbot.waitUntil(lambda: ctl.play.isVisible() and src.duration() > 1500, timeout=10000)
    assert ctl.seek.maximum() == src.duration() and ctl.play.text() == "Pause"

    ctl.play.click()
    assert src.paused and ctl.play.text() == "Play"
    qtbot.waitUntil(lambda: src.player.playbackState() == src.player.PlaybackState.PausedState)
    held = src.position()
    ctl.on.click()  # a frame on: 100 ms at 10 fps
    qtbot.waitUntil(lambda: src.position() > held, timeout=5000)
    assert abs(src.position() - held - src.frame_ms()) <= src.frame_ms()
    assert src.paused
    ctl.seek.sliderMoved.emit(1000)  # drag to 1 s
    qtbot.waitUntil(lambda: abs(src.position() - 1000) <= 100, timeout=5000)
    assert ctl.time.text().startswith("0:01 / 0:0")

    ctl.play.click()  # on to the end: the end is a state the controls say
    qtbot.waitUntil(lambda: src.at_end, timeout=10000)
    assert ctl.end_note.isVisible() and "End of the video" in ctl.end_note.text()
    assert ctl.play.text() == "Play again" and src.state == "stopped" and src.player is not None
    assert panel.video.image is not None  # the last frame stays on screen

    ctl.loop.setChecked(True)
    ctl.play.click()  # play again, looping: past the end without stopping
    qtbot.waitUntil(lambda: src.state == "video" and not ctl.end_note.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: src.player.position() > 1500, timeout=10000)
    qtbot.waitUntil(lambda: src.player.position() < 1000, timeout=10000)  # wrapped round
    assert not src.at_end

    # dropped frames in plain words, never "39 drop…"
    qtbot.waitUntil(lambda: panel.results >= 1, timeout=10000)
    line = panel.stats.text().split("\n")[1]
    assert re.fullmatch(r"(\d+ of \d+ frames dropped \(the network was busy\)|none of \d+ frames dropped)",
                        line), line
    assert panel.stats.fontMetrics().horizontalAdvance("39 of 75 frames dropped") < \
        panel.stats.width()
    panel.stop_sources()
    assert not ctl.play.isVisible()
