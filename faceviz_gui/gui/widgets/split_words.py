"""How a run's data was split, in words shown beside every accuracy.

A split by image puts every person in training and in test, so 100% "test accuracy" says
nothing about new faces; leaving people out does. The page showing an accuracy says which.
Which people were in training is read from the run's split.json (file names follow the CMU
naming, synthetic faces included), never assumed.
"""
from __future__ import annotations

from pathlib import Path

from faceviz_gui.core.data.cmu import parse_cmu_name


def split_words(split) -> str:
    """"split by image" or "N people left out" for a SplitSpec (None: unknown)."""
    if split is None:
        return "split unknown"
    if split.kind == "people":
        n = len(split.people) or split.n_people
        return f"{n} {'person' if n == 1 else 'people'} left out of training"
    return "split by image"


def person_of(path: str) -> str:
    info = parse_cmu_name(Path(path).name)
    return info["person"] if info else Path(path).parent.name


def training_people(run) -> set[str] | None:
    """The people with at least one training image in ``run`` (None: no split.json)."""
    train = (run.split or {}).get("train") if run is not None else None
    if not train:
        return None
    return {person_of(p) for p in train}


def run_split(run):
    """The run's SplitSpec, or None if its spec cannot be read."""
    try:
        return run.spec.split
    except Exception:  # a damaged spec.toml: the page still shows the rest
        return None


def accuracy_note(split, tested: list[str], trained: set[str] | None) -> str:
    """One sentence under a test accuracy: what the test images have in common with training."""
    if trained is None or not tested:
        return split_words(split) if split is not None else ""
    seen = [p for p in tested if p in trained]
    if len(seen) == len(tested):
        return (f"{split_words(split).capitalize()}: all {len(tested)} test people were in "
                "training too (not new faces)")
    if not seen:
        return (f"{split_words(split).capitalize()}: none of the {len(tested)} test people were "
                "in training (new faces)")
    return (f"{split_words(split).capitalize()}: {len(seen)} of the {len(tested)} test people "
            "were in training too")


def short_note(split, tested: list[str], trained: set[str] | None) -> str:
    """A few words for a narrow place (the browser): "same people" or "new people"."""
    if trained is None or not tested:
        return split_words(split) if split is not None else ""
    seen = sum(p in trained for p in tested)
    if seen == len(tested):
        return f"{split_words(split)}, same people as training"
    if seen == 0:
        return f"{split_words(split)}, people never trained on"
    return f"{split_words(split)}, {seen} of {len(tested)} people trained on"
