"""The CMU faces reader: `<person>/<person>_<pose>_<expression>_<eyes>[_2|_4].pgm`.

The person list is read from the files, never assumed (the shared copy holds 17 of 20, and a
user's folder may hold other people). `.bad` files (camera glitches) are not PGMs by name and
are never read. A shot missing at the asked scale is made from its full-size file by block
means, which is how CMU made its _2 and _4 files.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from faceviz_gui.core.data.faceset import FaceRecord, FaceSet, Skipped
from faceviz_gui.core.data.imageload import resize_area
from faceviz_gui.core.data.pgm import PGMError, read_pgm
from faceviz_gui.core.errors import DataError
from faceviz_gui.core.tasks import NullReporter, Reporter, Throttle
from faceviz_gui.core.training.specs import SCALE_SIZES

POSES = ("straight", "left", "right", "up")
EXPRESSIONS = ("neutral", "happy", "sad", "angry")
EYES = ("open", "sunglasses")

# The person becomes a folder name on import: never empty, never starting with '.' (so never
# '..'), never holding a separator or a control character.
CMU_NAME = re.compile(
    r"^(?P<person>[^_/\\.\x00-\x1f][^_/\\\x00-\x1f]*)_(?P<pose>straight|left|right|up)"
    r"_(?P<expression>neutral|happy|sad|angry)_(?P<eyes>open|sunglasses)"
    r"(?:_(?P<scale>[24]))?\.pgm$")
NAMING = "<person>_<pose>_<expression>_<eyes>[_2|_4].pgm"


def parse_cmu_name(name: str) -> dict | None:
    """{'person', 'pose', 'expression', 'eyes', 'scale'} for a CMU file name, else None."""
    m = CMU_NAME.match(name)
    if not m:
        return None
    d = m.groupdict()
    d["scale"] = int(d["scale"] or 1)
    return d


def cmu_name(person: str, pose: str, expression: str, eyes: str, scale: int = 1) -> str:
    suffix = "" if scale == 1 else f"_{scale}"
    return f"{person}_{pose}_{expression}_{eyes}{suffix}.pgm"


def _pgm_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() == ".pgm"
                  and not p.name.startswith("."))


def has_cmu_files(root: str | Path) -> bool:
    """True if any file under ``root`` follows the CMU naming (directories included)."""
    return any(CMU_NAME.match(p.name) for p in Path(root).rglob("*.pgm"))


def _index(root: Path, skipped: list[Skipped]) -> dict[tuple, dict[int, Path]]:
    """(person, pose, expression, eyes) -> {scale: path}; misnamed and duplicate files skipped."""
    shots: dict[tuple, dict[int, Path]] = {}
    for path in _pgm_files(root):
        info = parse_cmu_name(path.name)
        if info is None:
            skipped.append(Skipped(str(path), f"name does not follow {NAMING}"))
            continue
        key = (info["person"], info["pose"], info["expression"], info["eyes"])
        by_scale = shots.setdefault(key, {})
        if info["scale"] in by_scale:
            skipped.append(Skipped(str(path), f"duplicate of {by_scale[info['scale']]}"))
            continue
        by_scale[info["scale"]] = path
    return shots


def load_cmu(root: str | Path, scale: int = 2, people: list[str] | None = None,
             reporter: Reporter | None = None) -> FaceSet:
    """Every CMU-named image under ``root`` at ``scale`` (1, 2 or 4) as a FaceSet.

    ``people`` keeps only those people (a name not in the folder is an error). Bad files are
    skipped and listed in ``FaceSet.skipped``; nothing usable at all is one DataError.
    """
    if scale not in SCALE_SIZES:
        raise DataError(f"scale must be one of {sorted(SCALE_SIZES)}, not {scale!r}")
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"data folder not found: {root}")
    reporter = reporter or NullReporter()
    skipped: list[Skipped] = []
    shots = _index(root, skipped)
    if people:
        found = {k[0] for k in shots}
        unknown = [p for p in people if p not in found]
        if unknown:
            raise DataError(f"no images of {', '.join(unknown)} in {root} "
                            f"(people there: {', '.join(sorted(found)) or 'none'})")
        shots = {k: v for k, v in shots.items() if k[0] in set(people)}
    size = SCALE_SIZES[scale]
    keys = sorted(k for k, v in shots.items() if scale in v or 1 in v)
    images = np.empty((len(keys), *size), dtype=np.float32)
    records: list[FaceRecord] = []
    throttle = Throttle()
    for i, key in enumerate(keys):
        if reporter.should_stop():
            break
        if throttle.ready():
            reporter.report(kind="progress", done=i, total=len(keys),
                            message=f"reading CMU faces in {root.name}")
        image, path = None, None
        # the asked scale first; a bad or missing small file falls back to the full-size shot
        for candidate in dict.fromkeys(p for p in (shots[key].get(scale), shots[key].get(1)) if p):
            try:
                image, path = read_pgm(candidate), candidate
                break
            except (PGMError, OSError) as exc:
                reason = str(exc) if isinstance(exc, PGMError) else \
                    f"cannot read the file: {exc.strerror or exc}"
                skipped.append(Skipped(str(candidate), reason))
        if image is None:
            continue
        images[len(records)] = resize_area(image, size)
        records.append(FaceRecord(*key, scale=scale, path=str(path)))
    reporter.report(kind="progress", done=len(keys), total=len(keys), message="done")
    if not records:
        what = f"CMU-named files ({NAMING})"
        detail = f"; {len(skipped)} file(s) unusable, first: {skipped[0]}" if skipped else ""
        raise DataError(f"no usable images in {root}: looked for {what}{detail}")
    return FaceSet(images[:len(records)].copy(), records, skipped, str(root))
