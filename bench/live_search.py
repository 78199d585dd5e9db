"""Whole-frame face search in a stream: recall and cost, size bands against one pass.

    FACEVIZ_CMU_DIR=/path/to/cmu_faces python bench/live_search.py

Recall: the CMU people's full-size shots (one per person and pose, open eyes) pasted into
640x480 backdrops at two sizes (zoom 2.5: a ~130 px face, zoom 1.5: ~75 px) and several
places; a face counts when a box lands on the shot. "still" is one search with every cascade
(a photo); "stream" is a fresh detector fed the frame repeatedly, found within one full cycle
(3 frames in one pass per cascade, 6 in bands). Cost: CPU time per whole-frame stream search
on frames with no face: bare backdrops, CMU heads upside down, synthetic cartoon heads (the
cascades miss them). Every frame meets every pass; both searches run in the same process,
one after the other. "false": searches that returned a box on a frame without a face.
Last line: recall_before=<f> recall_after=<f> noface_ms_before=<f> noface_ms_after=<f>
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))
from live_helpers import background, cmu_shot, place, shots  # noqa: E402

from faceviz_gui.core.cpu import cpu_name  # noqa: E402
from faceviz_gui.core.live.faces import FaceDetector  # noqa: E402

POSES = ("straight", "left", "right", "up")


def face_frames(cmu: Path):
    out = []
    for pose in POSES:
        for i, p in enumerate(shots(cmu, pose, 20)):
            for zoom, spots in ((2.5, [(20, 20), (300, 170), (150, 90)]), (1.5, [(40, 250), (420, 30)])):
                frame, region = place(cmu_shot(p), *spots[i % len(spots)], zoom=zoom,
                                      frame=background(seed=i))
                out.append((pose, zoom, frame, region))
    return out


def noface_frames(cmu: Path) -> list[np.ndarray]:
    from faceviz_gui.core.data.synth import synthetic_faceset
    out = [background(seed=s) for s in range(10)]
    for i, p in enumerate(shots(cmu, "straight", 10)):
        out.append(place(cmu_shot(p)[::-1].copy(), 60 + 20 * i, 100, frame=background(seed=20 + i))[0])
    fs = synthetic_faceset(scale=1, n_people=4, seed=0)
    for i in range(10):
        head = np.round(fs.images[i * 7] * 255).astype(np.uint8)
        out.append(place(head, 100 + 15 * i, 80, frame=background(seed=40 + i))[0])
    return out


def on_shot(box, region) -> bool:
    x, y, w, h = region
    return box is not None and x <= box.cx <= x + w and y <= box.cy <= y + h


def measure(bands: bool, faces, nofaces) -> dict:
    cycle = 6 if bands else 3
    still, stream = {}, {}
    det = FaceDetector(bands=bands)
    for pose, zoom, frame, region in faces:
        still.setdefault((pose, zoom), []).append(on_shot(det.detect(frame), region))
        fresh = FaceDetector(bands=bands)
        stream.setdefault((pose, zoom), []).append(
            any(on_shot(fresh.detect(frame, cycle=True), region) for _ in range(cycle)))
    det, ms, false = FaceDetector(bands=bands), [], 0
    for rep in range(cycle):
        det._turn = rep                      # every frame meets every pass
        for frame in nofaces:
            t = time.thread_time()
            false += det.detect(frame, cycle=True) is not None
            ms.append((time.thread_time() - t) * 1000)
    flat = lambda d: float(np.mean([v for vs in d.values() for v in vs]))
    return {"still": flat(still), "stream": flat(stream), "per": {k: np.mean(v) for k, v in stream.items()},
            "ms": float(np.median(ms)), "p95": float(np.percentile(ms, 95)), "false": false, "n": len(ms)}


def main() -> int:
    cmu = Path(os.environ.get("FACEVIZ_CMU_DIR", ""))
    if not cmu.is_dir():
        print("set FACEVIZ_CMU_DIR to the CMU faces folder", file=sys.stderr)
        return 2
    cv2.setNumThreads(1)
    faces, nofaces = face_frames(cmu), noface_frames(cmu)
    before, after = measure(False, faces, nofaces), measure(True, faces, nofaces)
    print(f"{cpu_name()}, one OpenCV thread; {len(faces)} face frames, {len(nofaces)} without")
    print(f"{'search':<26}{'still':>7}{'stream':>8}{'no-face ms':>12}{'p95':>7}{'false':>9}")
    for name, r in (("one pass per cascade", before), ("size bands", after)):
        print(f"{name:<26}{r['still']:>7.3f}{r['stream']:>8.3f}{r['ms']:>12.2f}{r['p95']:>7.2f}"
              f"{r['false']:>5}/{r['n']}")
    print("stream recall per pose and zoom (one pass / bands): " + ", ".join(
        f"{p} x{z}: {before['per'][(p, z)]:.2f}/{after['per'][(p, z)]:.2f}" for p, z in before["per"]))
    print(f"no-face search: {before['ms'] / max(after['ms'], 1e-9):.2f}x less CPU in bands")
    print(f"recall_before={before['stream']:.3f} recall_after={after['stream']:.3f} "
          f"noface_ms_before={before['ms']:.2f} noface_ms_after={after['ms']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
