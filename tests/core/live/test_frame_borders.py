"""Blank capture borders are left out before a face is cropped: a crop region that leaves the
frame repeats the picture's edge, not a black band (frame_borders.py)."""
from __future__ import annotations

import cv2
import numpy as np

from faceviz_gui.core.live.faces import crop_rect
from faceviz_gui.core.live.frame_borders import picture_bounds


def wall(h=288, w=384, seed=0):
    """A bright, slightly textured studio wall with a darker shirt at the bottom."""
    rng = np.random.default_rng(seed)
    frame = (170 + rng.normal(0, 6, (h, w))).clip(0, 255)
    frame[int(h * 0.8):, :] = 40 + rng.normal(0, 3, (h - int(h * 0.8), w))
    return frame.astype(np.uint8)


def with_capture_borders(frame):
    """The studio photos' defects: 4 black columns, a blend column, a half-blank last line."""
    out = frame.copy()
    rng = np.random.default_rng(1)
    out[:, :4] = (20 + rng.normal(0, 1.5, (out.shape[0], 4))).astype(np.uint8)
    out[:, 4] = 72
    out[-1, out.shape[1] // 3:] = 20
    return out


def test_studio_like_borders_are_found_and_nothing_else():
    frame = with_capture_borders(wall())
    assert picture_bounds(frame) == (5, 0, 384, 287)
    assert picture_bounds(wall()) == (0, 0, 384, 288)  # a dark shirt is picture


def test_a_crop_past_the_left_edge_repeats_the_wall_not_the_black_band():
    frame = with_capture_borders(wall())
    crop = crop_rect(frame, (-80, 0, 200, 200), (50, 50))  # the left 40% lies outside
    outside = crop[:25, :15]  # above the shirt, left of the frame
    assert outside.mean() > 0.6  # the wall (~0.67), where the raw edge would repeat 0.08
    before = crop_rect(frame[:-1, 5:], (-85, 0, 200, 200), (50, 50))
    assert np.array_equal(crop, before)  # exactly the crop of the picture alone


def test_frames_without_borders_crop_as_before():
    frame = wall()
    rect = (-30, -20, 200, 180)
    h, w = frame.shape
    padded = np.pad(frame, ((20, 0), (30, 0)), mode="edge")[:200, :]

    expected = cv2.resize(padded[:180, :200], (40, 36), interpolation=cv2.INTER_AREA) / 255.0
    assert np.allclose(crop_rect(frame, rect, (36, 40)), expected, atol=1e-6)


def test_pillarboxes_are_left_out_and_a_black_frame_keeps_its_size():
    frame = np.zeros((480, 640), np.uint8)
    frame[:, 80:560] = wall(480, 480)
    assert picture_bounds(frame) == (80, 0, 560, 480)
    assert picture_bounds(np.zeros((480, 640), np.uint8)) == (0, 0, 640, 480)
