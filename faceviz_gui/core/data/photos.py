"""Photo folders: a user's own pictures, labelled by the folder they sit in.

    root/left/alice_01.jpg       pose from the folder, person from the name before '_' or '-'
    root/alice/left/01.png       person from the folder above the pose folder
    root/up/IMG.jpg              person "unknown" when neither says

Pose folder names are case-insensitive. Images are preprocessed exactly as training data:
grey [0, 1] at the model size (faceset.normalize comes later, for everyone alike).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from faceviz_gui.core.data.faceset import FaceRecord, FaceSet, Skipped
from faceviz_gui.core.data.imageload import IMAGE_SUFFIXES, is_image_name, load_image_file
from faceviz_gui.core.errors import DataError
from faceviz_gui.core.tasks import NullReporter, Reporter, Throttle

POSE_FOLDERS = ("straight", "left", "right", "up")
_PREFIX = re.compile(r"^([^_\-]+)[_\-].")


def photo_labels(path: Path, root: Path) -> tuple[str, str] | None:
    """(pose, person) for a file under ``root``, or None if no folder names a pose."""
    folders = list(path.relative_to(root).parts[:-1])
    for i in range(len(folders) - 1, -1, -1):
        if folders[i].lower() in POSE_FOLDERS:
            if i >= 1:  # root/alice/left/x.jpg
                return folders[i].lower(), folders[i - 1]
            return folders[i].lower(), _name_prefix(path)
    if root.name.lower() in POSE_FOLDERS:  # the user pointed at a pose folder itself
        return root.name.lower(), _name_prefix(path)
    return None


def _name_prefix(path: Path) -> str:
    m = _PREFIX.match(path.stem)
    return m.group(1) if m else "unknown"


def load_photo_folder(root: str | Path, size: tuple[int, int],
                      reporter: Reporter | None = None) -> FaceSet:
    """Every image under ``root`` in a folder named left/right/straight/up, at ``size`` (H, W)."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"photo folder not found: {root}")
    reporter = reporter or NullReporter()
    skipped: list[Skipped] = []
    todo: list[tuple[Path, str, str]] = []
    for path in sorted(root.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue  # hidden files and folders (.DS_Store, .thumbnails) are not the user's
        if path.is_dir() and not is_image_name(path):
            continue
        labels = photo_labels(path, root)
        if labels is None:
            if is_image_name(path):
                skipped.append(Skipped(str(path), "not in a folder named "
                                       + "/".join(POSE_FOLDERS)))
            continue
        if not is_image_name(path):
            skipped.append(Skipped(str(path), f"not an image file ({path.suffix or 'no suffix'})"))
            continue
        todo.append((path, *labels))
    images = np.empty((len(todo), *size), dtype=np.float32)
    records: list[FaceRecord] = []
    throttle = Throttle()
    for i, (path, pose, person) in enumerate(todo):
        if reporter.should_stop():
            break
        if throttle.ready():
            reporter.report(kind="progress", done=i, total=len(todo),
                            message=f"reading photos in {root.name}")
        image, reason = load_image_file(path, size)
        if image is None:
            skipped.append(Skipped(str(path), reason))
            continue
        images[len(records)] = image
        records.append(FaceRecord(person, pose, path=str(path)))
    reporter.report(kind="progress", done=len(todo), total=len(todo), message="done")
    if not records:
        kinds = ", ".join(sorted(s.lstrip(".") for s in IMAGE_SUFFIXES))
        detail = f"; {len(skipped)} file(s) unusable, first: {skipped[0]}" if skipped else ""
        raise DataError(
            f"no usable images in {root}: looked for image files ({kinds}) in subfolders "
            f"named {', '.join(POSE_FOLDERS)}, or CMU-named .pgm files{detail}")
    return FaceSet(images[:len(records)].copy(), records, skipped, str(root))
