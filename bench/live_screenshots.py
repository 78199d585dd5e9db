"""Screenshots of the Live test page for the README: a video of a real CMU face played
through the page, and a labelled folder of people the run never saw.

    QT_QPA_PLATFORM=offscreen python bench/live_screenshots.py --cmu /path/to/cmu_faces

Trains a four-pose run (ex1-4 at 64x60) leaving three people out, writes a short video and a
photo folder of those three people into a temporary folder, and saves
docs/screenshots/live_video.png and docs/screenshots/live_photos.png.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "helpers"))
from live_helpers import background, cmu_shot, place  # noqa: E402


def train(cmu: Path, root: Path, held_out: list[str], epochs: int):
    from faceviz_gui.core.data.cmu import load_cmu
    from faceviz_gui.core.training.fit import fit
    from faceviz_gui.core.training.specs import find_spec
    spec = find_spec("ex1-4")
    spec.train.epochs = epochs
    spec.split.kind, spec.split.people = "people", held_out
    return fit(spec, load_cmu(cmu, scale=2), runs_root=root, device="cpu").run


def wait(app, cond, timeout=60.0):
    end = time.monotonic() + timeout
    while not cond() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    if not cond():
        raise SystemExit("timed out waiting for the page")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cmu", default=os.environ.get("FACEVIZ_CMU_DIR"), required=False)
    ap.add_argument("--out", default=str(Path(__file__).parents[1] / "docs" / "screenshots"))
    ap.add_argument("--epochs", type=int, default=15)
    args = ap.parse_args()
    if not args.cmu:
        raise SystemExit("give --cmu or set FACEVIZ_CMU_DIR")
    cmu, out = Path(args.cmu), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="faceviz-shots-"))
    os.environ["FACEVIZ_HOME"] = str(tmp / "home")
    people = sorted(p.name for p in cmu.iterdir() if p.is_dir())
    held = people[-3:]
    run = train(cmu, tmp / "runs", held, args.epochs)
    print("run", run.id, "test accuracy", (run.evaluation() or {}).get("accuracy"))

    # a labelled folder of the three unseen people, heads placed anywhere in bigger photos
    rng = np.random.default_rng(0)
    folder = tmp / "amigos"
    for person in held:
        for pose in ("straight", "left", "right", "up"):
            shots = sorted((cmu / person).glob(f"{person}_{pose}_*_open.pgm"))[:2]
            (folder / person / pose).mkdir(parents=True, exist_ok=True)
            for i, path in enumerate(shots):
                frame, _ = place(cmu_shot(path), int(rng.integers(0, 300)), int(rng.integers(0, 160)),
                                 frame=background(seed=i))
                cv2.imwrite(str(folder / person / pose / f"{i}.jpg"), frame)
    (folder / held[0] / "up" / "scan.jpg").write_bytes(b"\xff\xd8 truncated")

    from PySide6.QtGui import QImage
    from PySide6.QtMultimedia import QVideoFrame
    from PySide6.QtWidgets import QApplication

    from faceviz_gui.gui.context import AppContext
    from faceviz_gui.gui.pages.live.page import LivePanel
    app = QApplication.instance() or QApplication([])
    ctx = AppContext(runs_root=tmp / "runs")
    panel = LivePanel(ctx)
    panel.resize(1400, 820)
    panel.show()
    panel.select_run(run.path)
    wait(app, lambda: panel.worker is not None)
    from faceviz_gui.core.live.faces import detect_face
    for path in sorted(p for person in held for p in (cmu / person).glob(f"{person}_left_*.pgm")
                       if not p.stem.endswith(("_2", "_4"))):
        frame, _ = place(cmu_shot(path), 180, 110)
        if detect_face(frame) is not None:  # a shot the cascades find, to show the box
            break
    rgb = np.ascontiguousarray(np.repeat(frame[..., None], 3, axis=2))
    for _ in range(8):  # a few frames so the tracker settles, as a camera would give
        n = panel.results
        img = QImage(rgb.data, 640, 480, 640 * 3, QImage.Format.Format_RGB888).copy()
        panel.source.sink.setVideoFrame(QVideoFrame(img))
        wait(app, lambda: panel.results > n)
    lv = panel.layers   # the layer view under the frame: its most active filter, finished
    lv.sort.setChecked(True)
    lv.grid.set_current(lv.grid.order()[0])
    wait(app, lambda: lv.detail.happymap.image() is not None and lv.detail.top_count() == 9, 300)
    panel.grab().save(str(out / "live_video.png"))
    panel.evaluate(folder)
    wait(app, lambda: panel.photos.evaluation is not None, 180)
    app.processEvents()
    panel.grab().save(str(out / "live_photos.png"))
    ev = panel.photos.evaluation
    print(f"unseen people: accuracy {ev.accuracy:.2f} on {len(ev.rows)} photos, "
          f"faces found {ev.n_faces_found}, skipped {len(ev.skipped)}")
    panel.shutdown()
    print("saved", out / "live_video.png", out / "live_photos.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
