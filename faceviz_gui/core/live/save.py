"""Files the live page writes: snapshots, and crops saved as examples in a user test set.

A user test set is a photo folder in the format data.load_photo_folder reads
(``<testsets>/<set>/<person>/<pose>/<n>.png``), so a face collected from the webcam can be
scored later with `faceviz eval RUN --data FOLDER` or dropped back onto the live page.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
from PIL import Image

from faceviz_gui.core import atomic
from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.paths import user_home

POSE_LABELS = ("straight", "left", "right", "up")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def testsets_dir() -> Path:
    return user_home() / "testsets"


def safe_name(text: str, what: str) -> str:
    """A file-system safe folder name ("Ann Lee" -> "Ann-Lee"); '_' is the person/file
    separator of photo folders, so it becomes '-' too."""
    name = _SAFE.sub("-", text.strip()).replace("_", "-").strip("-.")
    if not name:
        raise FaceVizError(f"the {what} name is empty: type one (letters, digits, - or .)")
    return name[:64]


def _png(path: Path, array: np.ndarray) -> None:
    img = np.asarray(array)
    if img.dtype != np.uint8:
        img = np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)
    atomic.write_with(path, lambda p: Image.fromarray(img).save(p, format="PNG"))


def save_snapshot(folder: str | Path, frame: np.ndarray, result, overlay_rgb: np.ndarray | None,
                  run_id: str = "") -> dict[str, Path]:
    """frame.png, crop.png, overlay.png (when there is one) and prediction.json, named by time
    so snapshots never overwrite each other. Returns the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = dt.datetime.now().strftime("snapshot-%Y%m%d-%H%M%S-%f")[:-3]
    out = {"frame": folder / f"{stem}-frame.png", "crop": folder / f"{stem}-crop.png",
           "json": folder / f"{stem}-prediction.json"}
    _png(out["frame"], frame)
    _png(out["crop"], result.crop)
    if overlay_rgb is not None:
        out["overlay"] = folder / f"{stem}-overlay.png"
        _png(out["overlay"], overlay_rgb)
    atomic.write_json(out["json"], {"run": run_id, **result.to_json()})
    return out


def save_example(crop: np.ndarray, pose: str, person: str, testset: str = "webcam") -> Path:
    """File ``crop`` (grey [0, 1]) as ``testsets/<set>/<person>/<pose>/<n>.png``."""
    if pose not in POSE_LABELS:
        raise FaceVizError(f"pose must be one of {', '.join(POSE_LABELS)}, not {pose!r}")
    folder = testsets_dir() / safe_name(testset, "test set") / safe_name(person, "person") / pose
    folder.mkdir(parents=True, exist_ok=True)
    taken = {int(p.stem) for p in folder.glob("*.png") if p.stem.isdigit()}
    n = max(taken, default=0) + 1
    path = folder / f"{n:03d}.png"
    _png(path, crop)
    return path
