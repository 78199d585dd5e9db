"""Face finding on unseen people: recall per pose, framing error of the crop, latency.

    python bench/facefinding.py [--scratch DIR] [--variants default,...]

Sets (see unseen_sets.py): ``webcam``, the held-out CMU people's shots pasted into 640x480
frames at known places, so the true CMU framing of each is known; ``studio``, the
Pointing'04 slice (384x288; no true boxes, recall only). A face counts as found when the
detector returns a box, and as well framed when the CMU crop region derived from it
(faces.cmu_rect) is centred within 15% of the true region's width and sized within 20% of
it. Framing error: median |centre offset| / true width and median |log2(size ratio)|.
False faces: share of 60 face-free backdrops where a face is found. Latency: median ms per
still photo (FaceDetector.detect without a hint, every cascade), on
one thread, CPU named. Variants change the Haar settings (work size, neighbours, scale step).
Last line: recall_webcam=<f> recall_studio=<f> framed_webcam=<f> detect_ms=<f> false_faces=<f>
(the default detector)
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from unseen_faces import cpu_name  # noqa: E402
from unseen_sets import STUDIO_DIR, _backdrop, webcam_set  # noqa: E402

from faceviz_gui.core.live.faces import FaceDetector, cmu_rect  # noqa: E402
from faceviz_gui.core.live.faces_folder import labelled_files  # noqa: E402

POSES = ("left", "right", "straight", "up")
# neighbors2 found more turned faces here but let spurious big boxes win on synthetic faces
# (tests/core/live/test_faces.py), so the default stays; see README Part 5.
VARIANTS = {
    "default": {},
    "neighbors2": {"min_neighbors": 2},
    "work480": {"work_size": 480},
    "step1.1": {"scale_factor": 1.1},
}


def measure(detector: FaceDetector, root: Path, rects: dict | None) -> dict:
    found = {p: [] for p in POSES}
    framed, offsets, sizes, times = [], [], [], []
    for path, pose, _person in labelled_files(root)[0]:
        grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        t0 = time.perf_counter()
        box = detector.detect(grey)
        times.append(time.perf_counter() - t0)
        found[pose].append(box is not None)
        if rects is None:
            continue
        tx, ty, tw, th = rects[str(Path(path).relative_to(root))]
        if box is None:
            framed.append(False)
            continue
        x, y, w, h = cmu_rect(box)
        off = np.hypot(x + w / 2 - (tx + tw / 2), y + h / 2 - (ty + th / 2)) / tw
        size = abs(np.log2(w / tw))
        offsets.append(off)
        sizes.append(size)
        framed.append(off <= 0.15 and size <= np.log2(1.2))
    out = {p: float(np.mean(v)) if v else float("nan") for p, v in found.items()}
    out["all"] = float(np.mean([b for v in found.values() for b in v]))
    out["n"] = sum(len(v) for v in found.values())
    out["ms"] = 1000 * float(np.median(times))
    if rects is not None:
        out["framed"] = float(np.mean(framed))
        out["offset"] = float(np.median(offsets)) if offsets else float("nan")
        out["size"] = float(np.median(sizes)) if sizes else float("nan")
    return out


def false_faces(detector: FaceDetector, n: int = 60) -> float:
    """Share of face-free 640x480 frames (the webcam set's backdrops) where a face is found."""
    hits = 0
    for seed in range(n):
        frame, _ = _backdrop(np.random.default_rng(seed), seed)
        hits += detector.detect(frame) is not None
    return hits / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scratch", default="/tmp/faceviz_bench/sets")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    args = ap.parse_args()
    cv2.setNumThreads(1)
    webcam = webcam_set(Path(args.scratch))
    rects = json.loads((webcam / "rects.json").read_text())
    print(f"CPU: {cpu_name()}; one OpenCV thread")
    print(f"{'detector':<12} {'set':<7} {'n':>4} " + " ".join(f"{p:>8}" for p in POSES)
          + f" {'all':>6} {'framed':>7} {'offset':>7} {'|log2 s|':>8} {'ms':>6} {'false':>6}")
    last = {}
    for name in args.variants.split(","):
        false = false_faces(FaceDetector(**VARIANTS[name]))
        for set_name, root, r in (("webcam", webcam, rects), ("studio", STUDIO_DIR, None)):
            m = measure(FaceDetector(**VARIANTS[name]), root, r)
            extra = (f" {m['framed']:7.2f} {m['offset']:7.3f} {m['size']:8.3f}" if r
                     else f" {'-':>7} {'-':>7} {'-':>8}")
            print(f"{name:<12} {set_name:<7} {m['n']:4d} " + " ".join(f"{m[p]:8.2f}" for p in POSES)
                  + f" {m['all']:6.2f}{extra} {m['ms']:6.1f} {false:6.2f}")
            if name == "default":
                last[set_name] = dict(m, false=false)
    w, s = last.get("webcam"), last.get("studio")
    if w and s:
        print(f"recall_webcam={w['all']:.3f} recall_studio={s['all']:.3f} "
              f"framed_webcam={w['framed']:.3f} detect_ms={w['ms']:.1f} false_faces={w['false']:.3f}")


if __name__ == "__main__":
    main()
