"""[preprocess] framing = "finder": CMU training images re-cropped as the live finder crops
them, the same in training, in the run's test split and when the boxes come from the cache."""
from __future__ import annotations

import json

import numpy as np
import pytest

from faceviz_gui.core.data.cmu import load_cmu
from faceviz_gui.core.training import face_crops
from faceviz_gui.core.training.evaluation import run_test_set
from faceviz_gui.core.training.face_crops import finder_framed, framed_for, full_size_shot
from faceviz_gui.core.training.fit import fit
from faceviz_gui.core.training.specs import from_dict

SPEC = {"name": "framed", "task": "pose", "scale": 4,
        "preprocess": {"framing": "finder"}, "train": {"epochs": 1},
        "split": {"kind": "people", "people": ["at33"]},
        "layers": [{"type": "conv2d", "filters": 4}, {"type": "max_pooling2d"},
                   {"type": "dense", "units": 8}]}


@pytest.mark.cmu
def test_finder_framing_recrops_from_the_full_size_shot_and_caches_the_boxes(
        cmu_dir, tmp_path, monkeypatch):
    data = load_cmu(cmu_dir, scale=4, people=["an2i"])
    assert full_size_shot(data.records[0].path).name == data.records[0].path.split("/")[-1].replace("_4", "")
    cache = tmp_path / "boxes.json"
    framed = finder_framed(data, cache=cache)
    assert framed.images.shape == data.images.shape and framed.records == data.records
    changed = [not np.allclose(a, b, atol=0.02) for a, b in zip(framed.images, data.images)]
    boxes = json.loads(cache.read_text())
    assert len(boxes) == len(data)
    assert sum(changed) == sum(b is not None for b in boxes.values()) > len(data) // 2

    face_crops._BOXES.clear()  # a fresh process: the boxes come from the file, no detector
    monkeypatch.setattr(face_crops, "FaceDetector", None)
    again = finder_framed(data, cache=cache)
    assert np.array_equal(again.images, framed.images)


def test_cmu_framing_is_the_default_and_leaves_data_alone(synthetic_small):
    spec = from_dict({**SPEC, "preprocess": {}})
    assert spec.preprocess.framing == "cmu" and "framing" not in spec.to_toml()
    assert framed_for(spec, synthetic_small) is synthetic_small


@pytest.mark.cmu
def test_a_finder_framed_run_is_tested_on_finder_framed_images(cmu_dir, tmp_path):
    data = load_cmu(cmu_dir, scale=4, people=["an2i", "at33"])
    data = data.subset([i for i, r in enumerate(data.records) if r.eyes == "open"])  # quicker
    result = fit(from_dict(SPEC), data, runs_root=tmp_path, device="cpu")
    test = run_test_set(result.run, data)
    expected = finder_framed(data.subset([i for i, r in enumerate(data.records)
                                          if r.person == "at33"]))
    assert np.array_equal(test.images, expected.images)
    assert result.evaluation["n"] == len(test)
