"""The unseen-people test sets of bench/unseen_faces.py and bench/facefinding.py.

Four of the 17 CMU people are held out (HELD_OUT): the ex2 specs leave them out of training
(split kind "people"), so every set below shows people the networks never saw.

- ``cmu``: the held-out people's CMU shots as they are (CMU framing, the run's scale).
- ``cmu_crop``: the same shots at full size, face found and cropped by the live pipeline.
- ``webcam``: the same shots pasted into 640x480 frames, as a webcam would show a person:
  other backdrops (smooth room, bright plain wall, clutter), other lighting (gain, gamma,
  offset), other sizes and places in the frame, sensor noise, sometimes blur. Written once
  as a labelled photo folder (person/pose/name.png), so `faceviz eval RUN --data FOLDER
  --crop-faces` and the Live page can open it too.
- ``studio``: /work/shared/data/pointing_dev (4 Pointing'04 people; measure only).
The frame placement reuses tests/helpers/live_helpers.py (background, cmu_shot, place).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "helpers"))
from live_helpers import background, cmu_shot, place  # noqa: E402

HELD_OUT = ("at33", "choon", "kawamura", "saavik")
CMU_DIR = Path(os.environ.get("FACEVIZ_CMU_DIR", "/work/shared/data/cmu_faces"))
STUDIO_DIR = Path(os.environ.get("FACEVIZ_STUDIO_DIR", "/work/shared/data/pointing_dev"))
SETS_VERSION = 2  # bump when the recipe changes: the folders are rebuilt


def full_size_shots(people=HELD_OUT, cmu_dir: Path = CMU_DIR) -> list[Path]:
    return sorted(p for person in people for p in (cmu_dir / person).glob(f"{person}_*.pgm")
                  if not p.stem.endswith(("_2", "_4")))


def _backdrop(rng: np.random.Generator, seed: int) -> tuple[np.ndarray, str]:
    kind = ("room", "wall", "clutter")[seed % 3]
    if kind == "room":
        return background(seed=seed), kind
    yy, xx = np.mgrid[0:480, 0:640]
    if kind == "wall":  # a bright plain wall, as in the studio photos
        level = rng.uniform(150, 235)
        frame = level + rng.uniform(-25, 25) * xx / 640 + rng.uniform(-15, 15) * yy / 480
    else:  # shelves, posters, a window: blurred rectangles of any grey
        frame = np.full((480, 640), rng.uniform(40, 200))
        for _ in range(int(rng.integers(6, 16))):
            x0, y0 = int(rng.integers(0, 600)), int(rng.integers(0, 440))
            w, h = int(rng.integers(30, 260)), int(rng.integers(20, 200))
            frame[y0:y0 + h, x0:x0 + w] = rng.uniform(0, 255)
        frame = cv2.GaussianBlur(frame, (0, 0), 2)
    return np.clip(frame, 0, 255).astype(np.uint8), kind


def webcam_frame(shot: np.ndarray, seed: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """One 640x480 grey frame around ``shot`` (uint8, a full-size CMU shot), and where the
    shot landed (x, y, w, h): the true CMU framing, to measure the face finder's crop by."""
    rng = np.random.default_rng(seed)
    frame, _ = _backdrop(rng, seed)
    zoom = rng.uniform(1.6, 3.0)
    h, w = int(shot.shape[0] * zoom), int(shot.shape[1] * zoom)
    x, y = int(rng.integers(0, 640 - w + 1)), int(rng.integers(0, 480 - h + 1))
    # cv2.resize rounds the enlarged size where int() above truncated it: a shot drawn at the
    # frame's edge came out one pixel too big to paste. Pull it in by that pixel (frames that
    # fitted before are unchanged, so the sets keep their version).
    x, y = min(x, 640 - round(shot.shape[1] * zoom)), min(y, 480 - round(shot.shape[0] * zoom))
    frame, rect = place(shot, x, y, zoom, frame)
    f = frame.astype(np.float32) / 255
    f = np.clip(f * rng.uniform(0.7, 1.3) + rng.uniform(-0.1, 0.1), 0, 1) ** (2 ** rng.uniform(-0.6, 0.6))
    f = f + rng.normal(0, rng.uniform(0.005, 0.02), f.shape)
    if rng.random() < 0.3:
        f = cv2.GaussianBlur(f, (0, 0), rng.uniform(0.8, 1.6))
    return np.clip(f * 255 + 0.5, 0, 255).astype(np.uint8), rect


def webcam_set(out: Path, people=HELD_OUT, cmu_dir: Path = CMU_DIR) -> Path:
    """The webcam-like labelled folder under ``out`` (built once per SETS_VERSION)."""
    root = Path(out) / f"webcam_v{SETS_VERSION}"
    if (root / ".done").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    rects = {}
    for i, path in enumerate(full_size_shots(people, cmu_dir)):
        person, pose = path.stem.split("_")[:2]
        dest = root / person / pose / f"{path.stem}.png"
        dest.parent.mkdir(parents=True, exist_ok=True)
        frame, rects[str(dest.relative_to(root))] = webcam_frame(cmu_shot(path), seed=1000 + i)
        cv2.imwrite(str(dest), frame)
    (root / "rects.json").write_text(json.dumps(rects, indent=0))
    (root / ".done").touch()
    return root


def cmu_full_set(out: Path, people=HELD_OUT, cmu_dir: Path = CMU_DIR) -> Path:
    """The held-out people's full-size CMU files in a folder of their own (for cropping)."""
    root = Path(out) / "cmu_full"
    if (root / ".done").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    for path in full_size_shots(people, cmu_dir):
        dest = root / path.parent.name / path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    (root / ".done").touch()
    return root


if __name__ == "__main__":  # build the folders, e.g. to open them in the app
    import argparse
    ap = argparse.ArgumentParser(description="build the unseen-people test folders")
    ap.add_argument("--scratch", default="/tmp/faceviz_bench/sets")
    out = Path(ap.parse_args().scratch)
    print(f"webcam={webcam_set(out)} cmu_full={cmu_full_set(out)}")
