"""A stream's whole-frame search in size bands (one band and one cascade per frame) finds the
faces the one-pass search finds, big ones within three frames, and restarts with the big
faces when the source changes."""
from __future__ import annotations

import pytest
from live_helpers import background, cmu_shot, place, shots

from faceviz_gui.core.live.faces import FaceDetector


def _found(det: FaceDetector, frame, frames: int, region) -> int | None:
    """The first frame (1-based) whose box lands on the pasted shot, or None."""
    x, y, w, h = region
    for i in range(frames):
        box = det.detect(frame, cycle=True)
        if box is not None and x <= box.cx <= x + w and y <= box.cy <= y + h:
            return i + 1
    return None


@pytest.mark.cmu
def test_bands_find_what_one_pass_finds_big_faces_first(cmu_dir):
    seen = {"big": 0, "small": 0}
    for pose in ("straight", "left", "right"):
        for i, path in enumerate(shots(cmu_dir, pose, 3)):
            for zoom, where, size in ((2.5, (40 + 60 * i, 60), "big"), (1.5, (300, 200), "small")):
                frame, region = place(cmu_shot(path), *where, zoom=zoom, frame=background(seed=i))
                one = _found(FaceDetector(bands=False), frame, 3, region)
                banded = _found(FaceDetector(), frame, 6, region)
                assert (one is None) == (banded is None), (path.name, zoom, one, banded)
                if banded is not None:
                    seen[size] += 1
                    if size == "big":           # big faces: the first three passes
                        assert banded <= 3, (path.name, banded)
    assert seen["big"] >= 6 and seen["small"] >= 6, seen


@pytest.mark.cmu
def test_restart_searches_big_faces_first_again(cmu_dir):
    frame, region = place(cmu_shot(shots(cmu_dir, "straight", 1)[0]), 150, 90)
    det = FaceDetector()
    for _ in range(4):                          # mid-cycle: the small-face passes come next
        det.detect(background(), cycle=True)
    det.restart()
    assert _found(det, frame, 1, region) == 1   # the frontal pass over big faces, at once
