"""Synthetic faces: deterministic, CMU-shaped, varied, and identical in memory and on disk."""
from __future__ import annotations

from collections import Counter

import numpy as np

from faceviz_gui.core.data.sources import load_cmu
from faceviz_gui.core.data.synth import synthetic_faceset, write_synthetic
from faceviz_gui.core.training.specs import SCALE_SIZES


def test_every_person_has_every_shot(synthetic_small):
    faces = synthetic_small
    assert faces.size == SCALE_SIZES[4] and len(faces) == 8 * 32
    assert faces.people == [f"syn0{i}" for i in range(1, 9)]
    combos = Counter((r.pose, r.expression, r.eyes) for r in faces.records)
    assert len(combos) == 32 and set(combos.values()) == {8}
    for task in ("left", "pose", "expression", "eyes"):
        assert len(np.unique(faces.labels(task))) == (2 if task in ("left", "eyes") else 4)
    assert len({r.path for r in faces.records}) == len(faces)


def test_deterministic_by_seed():
    a = synthetic_faceset(scale=4, n_people=2, seed=5)
    b = synthetic_faceset(scale=4, n_people=2, seed=5)
    c = synthetic_faceset(scale=4, n_people=2, seed=6)
    assert np.array_equal(a.images, b.images)
    assert not np.array_equal(a.images, c.images)


def test_people_differ_more_than_one_persons_shots(synthetic_small):
    faces = synthetic_small
    people = faces.people_array()
    means = np.stack([faces.images[people == p].mean(0) for p in faces.people])
    between = np.mean([np.abs(means[i] - means[j]).mean()
                       for i in range(len(means)) for j in range(i + 1, len(means))])
    within = np.mean([np.abs(faces.images[people == p] - means[k]).mean()
                      for k, p in enumerate(faces.people)])
    assert between > 0.05 and within > 0.01  # distinct people; shots of one vary too


def test_sunglasses_darken_the_eye_region(synthetic_small):
    faces = synthetic_small
    eyes = np.array([r.eyes for r in faces.records])
    up = np.array([r.pose for r in faces.records]) != "up"
    band = faces.images[:, 10:16, 8:24].mean(axis=(1, 2))
    assert band[(eyes == "sunglasses") & up].mean() < band[(eyes == "open") & up].mean() - 0.02


def test_written_files_read_back_identical(tmp_path):
    root = write_synthetic(tmp_path / "syn", n_people=2, seed=4)
    names = sorted(p.name for p in (root / "syn02").iterdir())
    assert len(names) == 96 and "syn02_up_sad_sunglasses_4.pgm" in names
    assert (root / "syn02" / "syn02_up_sad_sunglasses.pgm").read_bytes()[:2] == b"P2"
    assert (root / "syn02" / "syn02_up_sad_sunglasses_2.pgm").read_bytes()[:2] == b"P5"
    for scale in (1, 4):
        disk, memory = load_cmu(root, scale), synthetic_faceset(scale, n_people=2, seed=4)
        assert np.array_equal(disk.images, memory.images)
        assert [r.path for r in disk.records] == [str(root / r.path) for r in memory.records]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left
