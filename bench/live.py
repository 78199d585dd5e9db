"""Live pipeline benchmark: per-frame latency at 640x480, with a face and without, and memory.

    python bench/live.py [--frames 10000] [--latency-frames 500] [--scale 2] [--run RUN]
                         [--layer conv2d_1|none]

Frames are 640x480 RGB with a head drifting slowly across them and fresh sensor noise in
each, as a webcam gives: a real CMU face when FACEVIZ_CMU_DIR is set, else a synthetic one
(the cascades often miss cartoon faces, which exercises the no-face path instead). The model
is experiment0 at the given scale with random weights (latency does not depend on training),
or a trained run with --run. Stages: detect (cascades + tracker), crop (CMU framing, resize,
normalise), predict (forward + softmax, with --layer's activations hooked in the same pass
and copied out, as the live layer view ships them), attend (Grad-CAM), and the total.

The no-face stream is the same drifting head turned upside down: a person in view whose face
no cascade finds, so every frame is a whole-frame search over textured, head-like content
(a bare backdrop costs the cascades far less). It runs twice: with the search split into
size bands (one band and one cascade per frame, faces.BAND_SPLIT) and with one pass over
every size per frame, as before the split, for the ratio measured in the same run.
Memory: resident set size after a warm-up and after --frames frames.
Last line (wall time, or with --clock cpu the pipeline thread's CPU time per frame):
median_ms=<float> p95_ms=<float> noface_median_ms=<float> mem_growth_mb=<float>
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from faceviz_gui.core.live.faces import FaceDetector
from faceviz_gui.core.live.pipeline import LivePipeline

STAGES = ("detect", "crop", "predict", "attend", "total")


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def head_image() -> tuple[np.ndarray, str]:
    cmu = os.environ.get("FACEVIZ_CMU_DIR")
    if cmu and Path(cmu).is_dir():
        from faceviz_gui.core.data.pgm import read_pgm
        path = sorted(Path(cmu).glob("*/*_straight_neutral_open.pgm"))[0]
        return np.round(read_pgm(path) * 255).astype(np.uint8), f"CMU {path.name}"
    from faceviz_gui.core.data.synth import synthetic_faceset
    fs = synthetic_faceset(scale=1, n_people=1, seed=0)
    return np.round(fs.images[0] * 255).astype(np.uint8), "synthetic face"


class Frames:
    """An endless webcam-like stream: the head drifts on a textured backdrop, noise varies."""

    def __init__(self, head: np.ndarray, seed: int = 0, upside_down: bool = False):
        self.rng = np.random.default_rng(seed)
        yy, xx = np.mgrid[0:480, 0:640]
        noise = cv2.GaussianBlur(self.rng.normal(0, 25, (480, 640)), (0, 0), 6)
        self.backdrop = np.clip(70 + 60 * xx / 640 + 20 * yy / 480 + noise, 0, 255).astype(np.uint8)
        self.head = cv2.resize(head, None, fx=2.5, fy=2.5, interpolation=cv2.INTER_LINEAR)
        if upside_down:
            self.head = np.ascontiguousarray(self.head[::-1])
        self.i = 0

    def next(self) -> np.ndarray:
        h, w = self.head.shape
        t = self.i / 60.0
        x = int(160 + 80 * np.sin(t))
        y = int(90 + 30 * np.sin(0.7 * t))
        frame = self.backdrop.copy()
        frame[y:y + h, x:x + w] = self.head
        sensor = self.rng.integers(-6, 7, frame.shape, dtype=np.int16)
        frame = np.clip(frame.astype(np.int16) + sensor, 0, 255).astype(np.uint8)
        self.i += 1
        return np.repeat(frame[..., None], 3, axis=2)


def stream(pipe: LivePipeline, frames: Frames, n: int, title: str) -> dict[str, list[float]]:
    """``n`` frames after a warm-up; prints the per-stage table, returns the timings."""
    for _ in range(30):  # warm-up: allocator, OpenCV and torch first calls
        pipe.process(frames.next())
    rows: dict[str, list[float]] = {k: [] for k in (*STAGES, "cpu")}
    found = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        frame = frames.next()
        c0 = time.thread_time()
        r = pipe.process(frame)
        rows["cpu"].append((time.thread_time() - c0) * 1000)
        found += r.found
        for k in STAGES:
            rows[k].append(r.timings[k])
    cpu_ms = (time.process_time() - cpu0) / n * 1000
    wall_ms = (time.perf_counter() - wall0) / n * 1000
    print(f"\n{title}: face found in {found} of {n} frames")
    print(f"{'stage':<10}{'median ms':>12}{'p95 ms':>10}{'mean ms':>10}")
    for k in (*STAGES, "cpu"):
        a = np.asarray(rows[k])
        print(f"{k:<10}{np.median(a):>12.2f}{np.percentile(a, 95):>10.2f}{a.mean():>10.2f}")
    # On a shared machine wall time includes waiting for a core; CPU time ("cpu": the
    # pipeline's thread, one torch and one OpenCV thread) is the work itself, the latency on
    # an idle core. The per-frame line below also counts making the synthetic frame.
    print(f"per frame: {wall_ms:.2f} ms wall, {cpu_ms:.2f} ms CPU "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=10000, help="frames for the memory test")
    ap.add_argument("--latency-frames", type=int, default=500)
    ap.add_argument("--scale", type=int, default=2, choices=(1, 2, 4))
    ap.add_argument("--method", default="gradcam")
    ap.add_argument("--run", help="a trained run (id or folder) instead of random weights")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the GUI shares cores)")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="what the last line reports: wall time per frame (default), or the "
                         "pipeline thread's CPU time (the idle-core latency on a busy machine)")
    ap.add_argument("--layer", default="conv2d_1",
                    help="layer hooked for the live layer view (default conv2d_1, the biggest maps; "
                         "'none' for no view)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(1)

    if args.run:
        from faceviz_gui.core.training.runs import find_run
        model = find_run(args.run).load_model()
    else:
        from faceviz_gui.core.training.nets import build_model
        from faceviz_gui.core.training.specs import find_spec
        model = build_model(find_spec("experiment0").copy(scale=args.scale), seed=0)
    head, what = head_image()
    layer = None if args.layer == "none" else args.layer
    pipe = LivePipeline(model, method=args.method, layer=layer)
    print(f"live pipeline: 640x480 frames, {what}, model input {model.input_size[1]}x"
          f"{model.input_size[0]}, attention {args.method}, layer view {layer or 'off'}, "
          f"torch threads {args.threads}")
    face = stream(pipe, Frames(head), args.latency_frames, "with a face")
    noface = stream(LivePipeline(model, method=args.method, layer=layer),
                    Frames(head, upside_down=True), args.latency_frames,
                    "no face (head upside down), search in size bands")
    one_pass = stream(LivePipeline(model, method=args.method, layer=layer,
                                   detector=FaceDetector(bands=False)),
                      Frames(head, upside_down=True), args.latency_frames,
                      "no face, one pass over every size (before)")
    key = "total" if args.clock == "wall" else "cpu"
    nf, op = np.median(noface[key]), np.median(one_pass[key])
    nfd, opd = np.median(noface["detect"]), np.median(one_pass["detect"])
    print(f"no-face frames ({args.clock}): median {nf:.2f} ms in bands vs {op:.2f} ms in one pass "
          f"({op / max(nf, 1e-9):.2f}x; detect {opd / max(nfd, 1e-9):.2f}x)")
    if layer:  # what the layer view adds: the hook and the copy of its output
        off = stream(LivePipeline(model, method=args.method), Frames(head), args.latency_frames,
                     "with a face, layer view off")
        print(f"layer view {layer}: predict median {np.median(face['predict']):.2f} ms with it, "
              f"{np.median(off['predict']):.2f} ms without")
    frames = Frames(head)

    start = rss_mb()
    t0 = time.perf_counter()
    for _i in range(args.frames):
        pipe.process(frames.next())
    elapsed = time.perf_counter() - t0
    growth = rss_mb() - start
    print(f"memory: {start:.1f} MB after warm-up, {start + growth:.1f} MB after {args.frames} "
          f"frames ({args.frames / max(elapsed, 1e-9):.1f} frames/s)")
    total = np.asarray(face[key])
    print(f"median_ms={np.median(total):.2f} p95_ms={np.percentile(total, 95):.2f} "
          f"noface_median_ms={nf:.2f} mem_growth_mb={growth:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
