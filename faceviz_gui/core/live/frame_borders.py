"""Where a frame's picture ends: blank capture borders left out before a face is cropped.

Video captured through a frame grabber, and many webcams and phone photos, carry a few lines
that are not picture: a black band down one side (the Pointing'04 studio photos have four
black columns on the left, then one column that blends black into the wall) or a last line
only partly filled. A face close to the camera needs a crop region wider than the frame, and
crop_rect fills the region's outside by repeating the frame's edge; repeating a black column
paints a black bar down the crop, which to a network trained on CMU shots reads as the dark
back of a head turned left. So the crop repeats the picture's edge instead of the border's.

Two kinds of edge line are left out, from the outside in: uniformly dark lines (blanking:
mean under BLANK_LEVEL, spread under BLANK_SPREAD, up to a quarter of the frame, which covers
pillar- and letterboxing), then up to BLEND_LINES lines that are partly border: more of the
line at the blanking level than of its inner neighbour by PARTLY_BLANK of its length (a
half-filled last line), or a line that differs from its inner neighbour by more than
BLEND_STEP on average (the blend from blanking into the picture). Natural pictures change less
from one line to the next (at most 31 at the edges of the studio, CMU and webcam-like sets);
where one still trips a test, the crop repeats a line a pixel or two further in, which changes
nothing a network could see.
"""
from __future__ import annotations

import numpy as np

BLANK_LEVEL = 26       # grey levels (0-255): video black is 16; the studio borders 19-23
BLANK_SPREAD = 5.0     # std of one line: JPEG noise on the studio borders is 1-3
BLANK_MOST = 0.25      # of the frame's size: a 4:3 picture pillarboxed in 16:9 leaves 0.125
BLEND_STEP = 40.0      # mean |line - next line inward|; the studio's blend columns: 90-100
PARTLY_BLANK = 0.25    # the studio's half-filled last lines: a quarter to all of the line
BLEND_LINES = 2


def _edge_lines(grey: np.ndarray, side: str):
    """The frame's lines from ``side`` inward, as a function of the line's index."""
    h, w = grey.shape
    return {"left": (lambda k: grey[:, k], w), "right": (lambda k: grey[:, w - 1 - k], w),
            "top": (lambda k: grey[k, :], h), "bottom": (lambda k: grey[h - 1 - k, :], h)}[side]


def _border_depth(grey: np.ndarray, side: str) -> int:
    line, n = _edge_lines(grey, side)
    k = 0
    while k < int(n * BLANK_MOST):
        values = line(k)
        if values.min() >= BLANK_LEVEL:  # not one dark pixel: picture (cheaper than a mean)
            break
        if values.mean() >= BLANK_LEVEL or values.std() >= BLANK_SPREAD:
            break
        k += 1
    for _ in range(BLEND_LINES):
        if k + 1 >= n // 2:
            break
        outer = line(k)
        blank_share = (outer < BLANK_LEVEL).mean()
        if k == 0 and blank_share < PARTLY_BLANK:
            break  # no blanking outside it and not partly blank: the picture's own edge (the
            # common case, decided in two cheap passes over one line)
        inner = line(k + 1)
        step = np.abs(outer.astype(np.int16) - inner.astype(np.int16)).mean()
        more_blank = blank_share - (inner < BLANK_LEVEL).mean()
        if step <= BLEND_STEP and more_blank < PARTLY_BLANK:
            break
        k += 1
    return k


def picture_bounds(grey: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the part of a uint8 grey frame that is picture, borders left out.
    A frame that is all border (a black frame) keeps its full size."""
    h, w = grey.shape
    x0, x1 = _border_depth(grey, "left"), w - _border_depth(grey, "right")
    y0, y1 = _border_depth(grey, "top"), h - _border_depth(grey, "bottom")
    if x1 - x0 <= w // 2 or y1 - y0 <= h // 2:
        return 0, 0, w, h
    return x0, y0, x1, y1
