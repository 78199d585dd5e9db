"""``[data] synthetic_people = N``: N synthetic people mixed into a run's training split.

Hypothesis (README Part 5): with 13 CMU people to learn from, a network also learns those
people's faces, skin and brightness; synthetic people (data/synth.py: every CMU shot, other
faces and brightness) make it rely less on them. They go to the TRAINING split only: the
split of the loaded data is made first, exactly as without them, and their images are
appended to training, so val and test (the held-out people) are the same images as before.

They are drawn from the spec's seed, so resume, Diagnose and pruning redraw the very images
that split.json names. Their people are "synmix01", ... and their paths "synmix01/<CMU name>",
so they never collide with the people of a synthetic data source ("syn01", ...).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from faceviz_gui.core.data.faceset import FaceSet
from faceviz_gui.core.tasks import NullReporter, Reporter

PREFIX = "synmix"


def with_synthetic(data: FaceSet, spec, reporter: Reporter | None = None) -> FaceSet:
    """``data`` followed by the spec's synthetic people (``data`` itself when it asks for
    none or already holds them): images at the data's own scale, drawn with train.seed."""
    n = spec.data.synthetic_people
    if n <= 0 or any(r.person.startswith(PREFIX) for r in data.records):
        return data
    from faceviz_gui.core.data.synth import synthetic_faceset
    (reporter or NullReporter()).report(kind="stage", message=f"drawing {n} synthetic people")
    syn = synthetic_faceset(spec.scale, n, spec.train.seed, turns=spec.data.synthetic_turns)
    records = []
    for r in syn.records:  # "syn01" -> "synmix01", in the person and the path alike
        person = PREFIX + r.person[len("syn"):]
        records.append(dataclasses.replace(r, person=person,
                                           path=r.path.replace(r.person, person)))
    return FaceSet(np.concatenate([data.images, syn.images.astype(data.images.dtype)]),
                   data.records + records, list(data.skipped), data.source)


def synthetic_rows(data: FaceSet) -> np.ndarray:
    """Which of ``data``'s images are mixed-in synthetic people (a bool per image)."""
    return np.array([r.person.startswith(PREFIX) for r in data.records], dtype=bool)


def mix_into_training(data: FaceSet, split: dict[str, np.ndarray], spec,
                      reporter: Reporter | None = None
                      ) -> tuple[FaceSet, dict[str, np.ndarray]]:
    """(data with the synthetic people, ``split`` with their images added to "train")."""
    mixed = with_synthetic(data, spec, reporter)
    if mixed is data:
        return data, split
    added = np.arange(len(data), len(mixed), dtype=np.int64)
    return mixed, {**split, "train": np.concatenate([split["train"], added])}
