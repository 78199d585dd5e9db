"""Labelled photo folders with faces found and cropped to CMU framing (see faces.py).

The folder format is data.load_photo_folder's (pose subfolders, person from the folder above
or the file-name prefix), plus CMU-named .pgm files; labels and decoding reuse the data
engineer's helpers. Photos are decoded at full size so the face can be found, then cropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from faceviz_gui.core.data.cmu import parse_cmu_name
from faceviz_gui.core.data.faceset import FaceRecord, FaceSet, Skipped
from faceviz_gui.core.data.imageload import decode_image, is_image_name
from faceviz_gui.core.data.photos import POSE_FOLDERS, _name_prefix, photo_labels
from faceviz_gui.core.errors import DataError
from faceviz_gui.core.live.faces import crop_to_cmu, new_detector, to_grey_uint8
from faceviz_gui.core.tasks import NullReporter, Throttle


@dataclass
class CroppedFolder:
    """A labelled folder with faces found and cropped, and what the finding saw."""
    faceset: FaceSet
    boxes: list                 # Box or None (no face: centred crop) per image, frame pixels
    frame_sizes: list           # (h, w) of each decoded photo
    thumbnails: list            # uint8 grey, longest side <= thumb_size, per image

    @property
    def n_found(self) -> int:
        return sum(b is not None for b in self.boxes)


def labelled_files(root) -> tuple[list[tuple[object, str, str]], list]:
    """[(path, pose, person)] of every image under ``root`` labelled by a pose folder (the
    photo-folder format) or by a CMU file name, and the files skipped with the reason."""
    root = Path(root)
    todo, skipped = [], []
    for path in sorted(root.rglob("*")):
        if path.name.startswith(".") or (path.is_dir() and not is_image_name(path)):
            continue
        labels = photo_labels(path, root)
        if labels is None:
            cmu = parse_cmu_name(path.name)
            if cmu is not None:
                if cmu["scale"] > 1 and (path.parent / path.name.replace(f"_{cmu['scale']}.pgm", ".pgm")).exists():
                    continue  # the same shot, smaller: find the face in the full-size file
                labels = (cmu["pose"], cmu["person"])
            elif is_image_name(path):
                skipped.append(Skipped(str(path), "not in a folder named " + "/".join(POSE_FOLDERS)))
                continue
            else:
                continue
        if not is_image_name(path):
            skipped.append(Skipped(str(path), f"not an image file ({path.suffix or 'no suffix'})"))
            continue
        todo.append((path, *labels))
    return todo, skipped


def crop_folder(root, size: tuple[int, int], reporter=None, thumb_size: int = 0,
                find_faces: bool = True) -> CroppedFolder:
    """Every labelled image under ``root``, its face found and cropped to CMU framing at
    ``size`` (H, W); unreadable files land in ``faceset.skipped`` with the reason.
    ``find_faces=False`` takes the centred crop of every photo (as data.load_photo_folder)."""


    root = Path(root)
    if not root.is_dir():
        raise DataError(f"photo folder not found: {root}")
    todo, skipped = labelled_files(root)
    return crop_files(todo, size, reporter, thumb_size, find_faces, skipped, str(root))


def loose_files(paths) -> list[tuple[object, str, str]]:
    """[(path, pose, person)] for photos picked one by one: the pose from the folder they sit
    in when it is named left/right/straight/up, else "" (unlabelled)."""

    out = []
    for p in map(Path, paths):
        parent = p.parent.name.lower()
        if parent in POSE_FOLDERS:
            person = p.parent.parent.name if _name_prefix(p) == "unknown" else _name_prefix(p)
            out.append((p, parent, person or "unknown"))
        else:
            out.append((p, "", _name_prefix(p)))
    return out


def crop_files(todo, size: tuple[int, int], reporter=None, thumb_size: int = 0,
               find_faces: bool = True, skipped=None, source: str = "") -> CroppedFolder:
    """``todo`` [(path, pose, person)] decoded, faces found and cropped (see crop_folder)."""

    reporter = reporter or NullReporter()
    skipped = list(skipped or [])
    detector, throttle = new_detector(), Throttle()
    images, records, boxes, sizes, thumbs = [], [], [], [], []
    for i, (path, pose, person) in enumerate(todo):
        if reporter.should_stop():
            break
        if throttle.ready():
            reporter.report(kind="progress", done=i, total=len(todo), message="finding faces")
        photo, reason = decode_image(path)
        if photo is None:
            skipped.append(Skipped(str(path), reason))
            continue
        grey = to_grey_uint8(photo)
        box = detector.detect(grey) if find_faces else None
        images.append(crop_to_cmu(grey, box, size))
        records.append(FaceRecord(person, pose, path=str(path)))
        boxes.append(box)
        sizes.append(grey.shape)
        if thumb_size:
            s = min(1.0, thumb_size / max(grey.shape))
            thumbs.append(cv2.resize(grey, (max(1, round(grey.shape[1] * s)),
                                            max(1, round(grey.shape[0] * s))),
                                     interpolation=cv2.INTER_AREA))
    found = sum(b is not None for b in boxes)
    reporter.report(kind="progress", done=len(todo), total=len(todo),
                    message=f"faces found in {found} of {len(records)} images"
                            + (f"; {len(records) - found} centre-cropped" if found < len(records) else ""))
    if not records:
        detail = f"; {len(skipped)} file(s) unusable, first: {skipped[0]}" if skipped else ""
        raise DataError(f"no usable images in {source or 'the files given'}: looked for image "
                        f"files in subfolders named left, right, straight, up, or CMU-named "
                        f".pgm files{detail}")
    data = np.stack(images).astype(np.float32)
    return CroppedFolder(FaceSet(data, records, skipped, source), boxes, sizes, thumbs)


def load_cropped_folder(root, size: tuple[int, int], reporter=None) -> FaceSet:
    """A labelled photo folder as a FaceSet of CMU-framed face crops at ``size`` (H, W)."""
    return crop_folder(root, size, reporter).faceset
