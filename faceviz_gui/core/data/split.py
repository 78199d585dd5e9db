"""Train/val/test splits: by image (the blog's way) or leaving people out.

Both are deterministic given the seed and the FaceSet's order (loaders sort their files), and
stratified by class so a small test set still holds every class in proportion.
"""
from __future__ import annotations

import numpy as np

from faceviz_gui.core.data.faceset import FaceSet
from faceviz_gui.core.errors import DataError
from faceviz_gui.core.training.specs import SplitSpec


def _stratified_take(index: np.ndarray, labels: np.ndarray, fraction: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Split ``index`` into (taken, rest), taking ``fraction`` of each class."""
    taken: list[np.ndarray] = []
    rest: list[np.ndarray] = []
    for cls in np.unique(labels[index]):
        members = rng.permutation(index[labels[index] == cls])
        n = int(round(fraction * len(members)))
        if fraction > 0 and n == 0 and len(members) > 1:
            n = 1  # a tiny class still shows up in the held-out part
        taken.append(members[:n])
        rest.append(members[n:])
    cat = lambda parts: np.sort(np.concatenate(parts)) if parts else np.empty(0, np.int64)
    return cat(taken).astype(np.int64), cat(rest).astype(np.int64)


def _check_fraction(name: str, value: float) -> None:
    if not 0 <= value < 1:
        raise DataError(f"split {name} must be in [0, 1), not {value}")


def make_split(faceset: FaceSet, split_spec: SplitSpec, task: str, seed: int
               ) -> dict[str, np.ndarray]:
    """{"train", "val", "test"}: sorted int64 index arrays into ``faceset``, disjoint.

    kind "random": ``test_fraction`` of each class to test, ``val_fraction`` of each class to
    val, by image. kind "people": the named test people (or ``n_people`` chosen by seed) form
    test; val is carved by image, stratified, from everyone else.
    """
    labels = faceset.labels(task)
    everything = np.arange(len(faceset), dtype=np.int64)
    _check_fraction("val_fraction", split_spec.val_fraction)
    rng = np.random.default_rng(seed)
    if split_spec.kind == "random":
        _check_fraction("test_fraction", split_spec.test_fraction)
        test, rest = _stratified_take(everything, labels, split_spec.test_fraction, rng)
        # val_fraction is of the whole set, as test_fraction is
        left = 1 - split_spec.test_fraction
        val_share = split_spec.val_fraction / left if left > 0 else 0.0
        val, train = _stratified_take(rest, labels, min(val_share, 0.99), rng)
    elif split_spec.kind == "people":
        test_people = _test_people(faceset, split_spec, rng)
        people = faceset.people_array()
        in_test = np.isin(people, test_people)
        test = everything[in_test]
        val, train = _stratified_take(everything[~in_test], labels,
                                      split_spec.val_fraction, rng)
    else:
        raise DataError(f"unknown split kind {split_spec.kind!r} (known: random, people)")
    if len(train) == 0:
        raise DataError(f"the split leaves no training images ({len(faceset)} images in all)")
    return {"train": train, "val": val, "test": test}


def _test_people(faceset: FaceSet, split_spec: SplitSpec, rng: np.random.Generator
                 ) -> list[str]:
    people = faceset.people
    if split_spec.people:
        unknown = [p for p in split_spec.people if p not in people]
        if unknown:
            raise DataError(f"split.people names {', '.join(unknown)}, not in the data "
                            f"(people there: {', '.join(people)})")
        chosen = list(split_spec.people)
    elif split_spec.n_people > 0:
        if split_spec.n_people >= len(people):
            raise DataError(f"split.n_people is {split_spec.n_people}, but the data has only "
                            f"{len(people)} people; some must remain for training")
        chosen = sorted(rng.choice(people, size=split_spec.n_people, replace=False).tolist())
    else:
        raise DataError("a split of kind 'people' needs split.people or split.n_people")
    if len(chosen) >= len(people):
        raise DataError("split.people names everyone; some people must remain for training")
    return chosen
