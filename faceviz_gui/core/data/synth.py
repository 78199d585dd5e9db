"""Synthetic head-pose faces in the CMU format: the default data set and the data of tests.

Each synthetic person ("syn01", "syn02", ...) has 32 shots like a CMU subject: four poses,
four expressions, eyes open or in sunglasses. Shots are quantised as CMU's are (a per-file
maxval between 119 and 159) and the smaller scales are block means of the full shot, rounded,
so ``synthetic_faceset`` in memory equals ``load_cmu`` of what ``write_synthetic`` wrote.
Everything is deterministic by seed.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from itertools import product
from pathlib import Path

import numpy as np

from faceviz_gui.core import atomic
from faceviz_gui.core.data.cmu import EXPRESSIONS, EYES, POSES, cmu_name
from faceviz_gui.core.data.faceset import FaceRecord, FaceSet
from faceviz_gui.core.data.pgm import encode_pgm
from faceviz_gui.core.data.synth_draw import Person, draw_shot, random_person
from faceviz_gui.core.errors import FileAccessError
from faceviz_gui.core.locks import owner_alive
from faceviz_gui.core.tasks import NullReporter, Reporter, Throttle
from faceviz_gui.core.training.specs import SCALE_SIZES

# 32 per person, sorted as load_cmu sorts them, so memory and disk sets line up image by image
SHOTS = tuple(sorted(product(POSES, EXPRESSIONS, EYES)))


def person_name(i: int) -> str:
    return f"syn{i + 1:02d}"


def make_people(n_people: int, seed: int) -> list[Person]:
    return [random_person(person_name(i), np.random.default_rng([seed, 7919, i]))
            for i in range(n_people)]


# turns = "varied": each left, right and up shot turned or lifted by this share of CMU's
# near-profile turn and steep lift, drawn per shot: the Pointing'04 turns are 45-60 degrees
# and tilts 30-60, and the held-out CMU people's misread shots are their mildest turns and lifts.
VARIED_AMOUNT = (0.5, 1.0)


def _shot_levels(person: Person, index: int, shot: int, seed: int, turns: str = "cmu"
                 ) -> tuple[np.ndarray, int]:
    """Integer grey levels of one full-size shot and its maxval, as a CMU camera would save."""
    pose, expression, eyes = SHOTS[shot]
    rng = np.random.default_rng([seed, 104729, index, shot])
    amount = 1.0
    if turns == "varied" and pose != "straight":  # its own stream: the shot's draws stay put
        amount = float(np.random.default_rng([seed, 7727, index, shot]).uniform(*VARIED_AMOUNT))
    image = draw_shot(person, pose, expression, eyes, rng, amount)
    maxval = int(rng.integers(119, 160))
    return np.rint(image * maxval).astype(np.int32), maxval


def reduce_levels(levels: np.ndarray, scale: int) -> np.ndarray:
    """Block means of ``scale`` x ``scale`` pixels, rounded, as CMU's _2 and _4 files are."""
    if scale == 1:
        return levels
    h, w = levels.shape
    blocks = levels.reshape(h // scale, scale, w // scale, scale).astype(np.float64)
    return np.rint(blocks.mean(axis=(1, 3))).astype(np.int32)


def synthetic_faceset(scale: int = 2, n_people: int = 20, seed: int = 0,
                      reporter: Reporter | None = None, turns: str = "cmu") -> FaceSet:
    """Synthetic faces in memory at ``scale``; records' paths are the names a written copy
    would have (``syn01/syn01_left_happy_open_2.pgm``), unique within the set. ``turns``:
    "cmu" draws CMU's full turns and lifts, "varied" milder ones too (VARIED_AMOUNT)."""
    reporter = reporter or NullReporter()
    people = make_people(n_people, seed)
    size = SCALE_SIZES[scale]
    images = np.empty((n_people * len(SHOTS), *size), dtype=np.float32)
    records: list[FaceRecord] = []
    throttle = Throttle()
    for i, person in enumerate(people):
        for s, (pose, expression, eyes) in enumerate(SHOTS):
            if reporter.should_stop():
                return FaceSet(images[:len(records)].copy(), records, [], "synthetic")
            levels, maxval = _shot_levels(person, i, s, seed, turns)
            images[len(records)] = reduce_levels(levels, scale) / np.float32(maxval)
            name = cmu_name(person.name, pose, expression, eyes, scale)
            records.append(FaceRecord(person.name, pose, expression, eyes, scale,
                                      f"{person.name}/{name}"))
        if throttle.ready():
            reporter.report(kind="progress", done=i + 1, total=n_people,
                            message="drawing synthetic faces")
    return FaceSet(images, records, [], "synthetic")


def write_synthetic(root: str | Path, n_people: int = 20, seed: int = 0,
                    reporter: Reporter | None = None) -> Path:
    """Write a CMU-format folder: P2 full-size files, P5 _2 and _4 files, one folder a person.

    Written into a temporary sibling and renamed into place, so ``root`` is either absent or
    complete; an existing ``root`` is merged into (files of the same name are replaced).
    Returns ``root``; a stop request leaves nothing behind and returns ``root`` unchanged.
    """
    root = Path(root)
    reporter = reporter or NullReporter()
    if root.exists() and not root.is_dir():
        raise FileAccessError(root, "write synthetic faces into", "it is a file, not a folder")
    atomic.make_dir(root.parent)
    _clean_stale(root)
    try:  # the pid in the name tells a later run whether the writer is still alive
        tmp = Path(tempfile.mkdtemp(prefix=f"{_tmp_prefix(root)}{os.getpid()}-", dir=root.parent))
    except OSError as exc:
        raise FileAccessError(root.parent, "write into", exc) from None
    try:
        throttle = Throttle()
        for i, person in enumerate(make_people(n_people, seed)):
            folder = tmp / person.name
            folder.mkdir()
            for s, (pose, expression, eyes) in enumerate(SHOTS):
                if reporter.should_stop():
                    return root
                levels, maxval = _shot_levels(person, i, s, seed)
                for scale in (1, 2, 4):
                    data = encode_pgm(reduce_levels(levels, scale), maxval, ascii=scale == 1)
                    (folder / cmu_name(person.name, pose, expression, eyes, scale)
                     ).write_bytes(data)
            if throttle.ready():
                reporter.report(kind="progress", done=i + 1, total=n_people,
                                message="writing synthetic faces")
        reporter.report(kind="progress", done=n_people, total=n_people, message="done")
        if not root.exists():
            os.replace(tmp, root)
        else:
            for folder in tmp.iterdir():
                dest = root / folder.name
                dest.mkdir(exist_ok=True)
                for f in folder.iterdir():
                    os.replace(f, dest / f.name)
        return root
    except OSError as exc:  # a full disk, a folder made read-only meanwhile
        raise FileAccessError(root, "write synthetic faces into", exc) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _tmp_prefix(root: Path) -> str:
    return f".{root.name}-synth-tmp-"


def _clean_stale(root: Path) -> None:
    """Temporary folders of writers that were killed (their pid is gone): removed, so killed
    runs do not pile up copies of the data set beside ``root``."""
    for p in root.parent.glob(f"{_tmp_prefix(root)}*"):
        pid = p.name[len(_tmp_prefix(root)):].split("-", 1)[0]
        if p.is_dir() and pid.isdigit() and not owner_alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)
