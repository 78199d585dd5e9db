"""Frames with real CMU faces at known places, and a small pose run trained on CMU: shared by
the face, live and photo-evaluation tests (core and GUI)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from faceviz_gui.core.data.pgm import read_pgm

ZOOM = 2.5  # a 128x120 CMU shot becomes a 320x300 head in the frame, as on a webcam


def background(h: int = 480, w: int = 640, seed: int = 0) -> np.ndarray:
    """A smooth room-like backdrop: a gradient and blurred noise, no face-like structure."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = 70 + 60 * xx / w + 20 * yy / h
    noise = cv2.GaussianBlur(rng.normal(0, 25, (h, w)), (0, 0), 6)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def cmu_shot(path: Path) -> np.ndarray:
    """A full-size CMU shot as uint8 grey."""
    return np.round(read_pgm(path) * 255).astype(np.uint8)


def place(shot: np.ndarray, x: int, y: int, zoom: float = ZOOM, frame: np.ndarray | None = None
          ) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """``shot`` enlarged by ``zoom`` pasted at (x, y): (frame, (x, y, w, h) of the shot)."""
    frame = background() if frame is None else frame.copy()
    big = cv2.resize(shot, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_LINEAR)
    h, w = big.shape
    frame[y:y + h, x:x + w] = big
    return frame, (x, y, w, h)


def shots(cmu_dir: Path, pose: str, n: int, people: list[str] | None = None) -> list[Path]:
    """``n`` full-size shots of ``pose`` with open eyes, one per person where possible."""
    out = []
    for person in sorted(p.name for p in cmu_dir.iterdir() if p.is_dir()):
        if people is not None and person not in people:
            continue
        cands = sorted((cmu_dir / person).glob(f"{person}_{pose}_*_open.pgm"))
        if cands:
            out.append(cands[0])
        if len(out) == n:
            break
    return out


def train_pose_run(cmu_dir: Path, root: Path, epochs: int = 12):
    """ex1-4 (four poses) at 32x30 on the CMU _4 files: a few seconds on one core."""
    from faceviz_gui.core.data.cmu import load_cmu
    from faceviz_gui.core.training.fit import fit
    from faceviz_gui.core.training.specs import find_spec
    spec = find_spec("ex1-4").copy(scale=4)
    spec.train.epochs = epochs
    spec.train.batch_size = 32
    data = load_cmu(cmu_dir, scale=4)
    return fit(spec, data, runs_root=root, device="cpu").run


_POSE_RUNS: dict = {}


def pose_run(cmu_dir: Path, tmp_path_factory):
    """One CMU pose run per test session, whichever test module asks first."""
    key = str(cmu_dir)
    if key not in _POSE_RUNS:
        _POSE_RUNS[key] = train_pose_run(cmu_dir, tmp_path_factory.mktemp("pose_run"))
    return _POSE_RUNS[key]


def unseen_shots(run, cmu_dir: Path, pose: str, n: int) -> list[Path]:
    """Full-size shots of ``pose`` whose small versions are in the run's test split."""
    out = []
    for p in run.split.get("test", []):
        name = Path(p).name.replace("_4.pgm", ".pgm")
        person = name.split("_")[0]
        if f"_{pose}_" in name and (cmu_dir / person / name).exists():
            out.append(cmu_dir / person / name)
    return sorted(out)[:n]
