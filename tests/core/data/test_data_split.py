"""Splits: stratified by image with a seed, or leaving people out; deterministic and disjoint."""
from __future__ import annotations

import numpy as np
import pytest

from faceviz_gui.core.data.sources import make_split
from faceviz_gui.core.errors import DataError
from faceviz_gui.core.training.specs import SplitSpec


def _check_partition(split, n):
    allidx = np.concatenate([split["train"], split["val"], split["test"]])
    assert sorted(allidx.tolist()) == list(range(n))
    for part in split.values():
        assert part.dtype == np.int64 and np.all(np.diff(part) > 0)


def test_random_split_is_stratified_and_deterministic(synthetic_small):
    spec = SplitSpec(kind="random", test_fraction=0.2, val_fraction=0.1)
    a = make_split(synthetic_small, spec, "pose", seed=1)
    b = make_split(synthetic_small, spec, "pose", seed=1)
    c = make_split(synthetic_small, spec, "pose", seed=2)
    _check_partition(a, len(synthetic_small))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["test"], c["test"])
    labels = synthetic_small.labels("pose")
    for part, fraction in (("test", 0.2), ("val", 0.1)):
        counts = np.bincount(labels[a[part]], minlength=4)
        assert np.all(np.abs(counts - fraction * 64) <= 1)  # 64 images per pose
    # by image: the same people appear in train and test (the blog's way)
    people = synthetic_small.people_array()
    assert set(people[a["test"]]) <= set(people[a["train"]])


def test_left_task_keeps_the_one_to_three_balance(synthetic_small):
    split = make_split(synthetic_small, SplitSpec(test_fraction=0.25, val_fraction=0.0),
                       "left", seed=0)
    y = synthetic_small.labels("left")[split["test"]]
    assert len(split["val"]) == 0 and y.mean() == pytest.approx(0.25, abs=0.02)


def test_named_people_left_out(synthetic_small):
    spec = SplitSpec(kind="people", people=["syn02", "syn05"], val_fraction=0.1)
    split = make_split(synthetic_small, spec, "left", seed=0)
    _check_partition(split, len(synthetic_small))
    people = synthetic_small.people_array()
    assert set(people[split["test"]]) == {"syn02", "syn05"}
    assert not {"syn02", "syn05"} & (set(people[split["train"]]) | set(people[split["val"]]))
    assert len(split["test"]) == 64


def test_n_people_chosen_by_seed(synthetic_small):
    spec = SplitSpec(kind="people", n_people=3)
    people = synthetic_small.people_array()
    chosen = [tuple(sorted(set(people[make_split(synthetic_small, spec, "pose", seed=s)["test"]])))
              for s in (0, 0, 1, 2, 3)]
    assert all(len(c) == 3 for c in chosen) and chosen[0] == chosen[1]
    assert len(set(chosen)) > 1


@pytest.mark.parametrize("spec, words", [
    (SplitSpec(kind="people", people=["syn01", "ghost"]), "ghost"),
    (SplitSpec(kind="people", n_people=8), "only 8 people"),
    (SplitSpec(kind="people"), "needs split.people"),
    (SplitSpec(kind="sideways"), "unknown split kind"),
    (SplitSpec(test_fraction=1.5), "test_fraction"),
])
def test_bad_split_specs(synthetic_small, spec, words):
    with pytest.raises(DataError, match=words):
        make_split(synthetic_small, spec, "left", seed=0)
