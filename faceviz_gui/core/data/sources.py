"""Where face data comes from, and the one call everyone uses to get it.

``resolve_source`` picks the data (``--data DIR``, else FACEVIZ_DATA, else the user's imported
CMU copy, else "synthetic"); ``load_source`` loads it at a scale; ``load_images`` tells a CMU
folder from a photo folder. The readers themselves live in data_cmu, data_photos, imageload
and synth; splits in data_split. Everything here is re-exported for callers.
"""
from __future__ import annotations

import os
from pathlib import Path

from faceviz_gui.core import atomic, paths
from faceviz_gui.core.data.cmu import EXPRESSIONS, EYES, NAMING, POSES, has_cmu_files, load_cmu, parse_cmu_name
from faceviz_gui.core.data.faceset import FaceSet
from faceviz_gui.core.data.imageload import decode_image, load_image_file
from faceviz_gui.core.data.photos import POSE_FOLDERS, load_photo_folder
from faceviz_gui.core.data.split import make_split
from faceviz_gui.core.errors import DataError
from faceviz_gui.core.tasks import Reporter
from faceviz_gui.core.training.specs import SCALE_SIZES

__all__ = [
    "EXPRESSIONS", "EYES", "NAMING", "POSES", "POSE_FOLDERS", "SYNTHETIC", "cmu_copy_dir",
    "decode_image", "ensure_synthetic", "has_cmu_files", "load_cmu", "load_image_file",
    "load_images", "load_photo_folder", "load_source", "make_split", "parse_cmu_name",
    "resolve_source", "synthetic_dir",
]

SYNTHETIC = "synthetic"
SYNTHETIC_PEOPLE = 20
SYNTHETIC_SEED = 0
_COMPLETE = ".complete"  # written last: a folder without it is an interrupted generation


def cmu_copy_dir() -> Path:
    """Where `faceviz data fetch/import` puts the CMU faces."""
    return paths.data_dir() / "cmu_faces"


def synthetic_dir() -> Path:
    return paths.data_dir() / SYNTHETIC


def resolve_source(arg: str | os.PathLike | None = None) -> str:
    """``--data DIR``, else FACEVIZ_DATA, else the imported CMU copy, else "synthetic"."""
    if arg:
        return str(arg)
    env = os.environ.get("FACEVIZ_DATA")
    if env:
        return env
    copy = cmu_copy_dir()
    if copy.is_dir() and has_cmu_files(copy):
        return str(copy)
    return SYNTHETIC


def load_images(root: str | os.PathLike, scale: int = 2, reporter: Reporter | None = None,
                people: list[str] | None = None) -> FaceSet:
    """A CMU-format folder (any CMU-named .pgm under it) or else a labelled photo folder."""
    if scale not in SCALE_SIZES:
        raise DataError(f"scale must be one of {sorted(SCALE_SIZES)}, not {scale!r}")
    root = Path(root).expanduser()
    if not root.exists():
        raise DataError(f"data folder not found: {root}")
    if not root.is_dir():
        raise DataError(f"not a folder: {root} (give a folder of CMU faces or of photos)")
    if has_cmu_files(root):
        return load_cmu(root, scale, people=people, reporter=reporter)
    faces = load_photo_folder(root, SCALE_SIZES[scale], reporter=reporter)
    if people:
        keep = [i for i, r in enumerate(faces.records) if r.person in set(people)]
        missing = sorted(set(people) - {faces.records[i].person for i in keep})
        if missing:
            raise DataError(f"no images of {', '.join(missing)} in {root} "
                            f"(people there: {', '.join(faces.people)})")
        skipped = faces.skipped
        faces = faces.subset(keep)
        faces.skipped, faces.source = skipped, str(root)
    return faces


def ensure_synthetic(reporter: Reporter | None = None) -> Path:
    """The default synthetic set on disk, generated on first use (later calls just return it)."""
    from faceviz_gui.core.data.synth import write_synthetic
    folder = synthetic_dir()
    if not (folder / _COMPLETE).exists():
        write_synthetic(folder, SYNTHETIC_PEOPLE, SYNTHETIC_SEED, reporter=reporter)
        if reporter is not None and reporter.should_stop():
            return folder
        atomic.write_text(folder / _COMPLETE, f"people={SYNTHETIC_PEOPLE} seed={SYNTHETIC_SEED}\n")
    return folder


def load_source(source: str | os.PathLike | None = None, scale: int = 2,
                reporter: Reporter | None = None, people: list[str] | None = None) -> FaceSet:
    """Load what ``resolve_source`` names: "synthetic" (generated once) or a folder."""
    source = resolve_source(source)
    if source == SYNTHETIC:
        folder = ensure_synthetic(reporter)
        faces = load_cmu(folder, scale, people=people, reporter=reporter)
        faces.source = SYNTHETIC
        return faces
    return load_images(source, scale, reporter=reporter, people=people)
