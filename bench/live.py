"""Live pipeline benchmark: per-frame latency at 640x480 and memory growth.

    python bench/live.py [--frames 10000] [--latency-frames 500] [--scale 2] [--run RUN]

Frames are 640x480 RGB with a head drifting slowly across them and fresh sensor noise in
each, as a webcam gives: a real CMU face when FACEVIZ_CMU_DIR is set, else a synthetic one
(the cascades often miss cartoon faces, which exercises the no-face path instead). The model
is experiment0 at the given scale with random weights (latency does not depend on training),
or a trained run with --run. Stages: detect (cascades + tracker), crop (CMU framing, resize,
normalise), predict (forward + softmax), attend (Grad-CAM), and the end-to-end total.
Memory: resident set size after a warm-up and after --frames frames.
Last line: median_ms=<float> p95_ms=<float> mem_growth_mb=<float>
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from faceviz_gui.core.live.pipeline import LivePipeline


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

    def __init__(self, head: np.ndarray, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        yy, xx = np.mgrid[0:480, 0:640]
        noise = cv2.GaussianBlur(self.rng.normal(0, 25, (480, 640)), (0, 0), 6)
        self.backdrop = np.clip(70 + 60 * xx / 640 + 20 * yy / 480 + noise, 0, 255).astype(np.uint8)
        self.head = cv2.resize(head, None, fx=2.5, fy=2.5, interpolation=cv2.INTER_LINEAR)
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=10000, help="frames for the memory test")
    ap.add_argument("--latency-frames", type=int, default=500)
    ap.add_argument("--scale", type=int, default=2, choices=(1, 2, 4))
    ap.add_argument("--method", default="gradcam")
    ap.add_argument("--run", help="a trained run (id or folder) instead of random weights")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the GUI shares cores)")
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
    pipe = LivePipeline(model, method=args.method)
    frames = Frames(head)
    for _ in range(30):  # warm-up: allocator, OpenCV and torch first calls
        pipe.process(frames.next())

    stages = ("detect", "crop", "predict", "attend", "total")
    rows = {k: [] for k in stages}
    found = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(args.latency_frames):
        r = pipe.process(frames.next())
        found += r.found
        for k in stages:
            rows[k].append(r.timings[k])
    cpu_ms = (time.process_time() - cpu0) / args.latency_frames * 1000
    wall_ms = (time.perf_counter() - wall0) / args.latency_frames * 1000
    print(f"live pipeline: 640x480 frames, {what}, model input {model.input_size[1]}x"
          f"{model.input_size[0]}, attention {args.method}, torch threads {args.threads}")
    print(f"face found in {found} of {args.latency_frames} frames")
    print(f"{'stage':<10}{'median ms':>12}{'p95 ms':>10}{'mean ms':>10}")
    for k in stages:
        a = np.asarray(rows[k])
        print(f"{k:<10}{np.median(a):>12.2f}{np.percentile(a, 95):>10.2f}{a.mean():>10.2f}")
    # On a shared machine wall time includes waiting for a core; CPU time per frame is the
    # work itself (one torch thread, one OpenCV thread), the latency on an idle core.
    print(f"per frame: {wall_ms:.2f} ms wall, {cpu_ms:.2f} ms CPU "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")

    start = rss_mb()
    t0 = time.perf_counter()
    for _i in range(args.frames):
        pipe.process(frames.next())
    elapsed = time.perf_counter() - t0
    growth = rss_mb() - start
    print(f"memory: {start:.1f} MB after warm-up, {start + growth:.1f} MB after {args.frames} "
          f"frames ({args.frames / max(elapsed, 1e-9):.1f} frames/s)")
    total = np.asarray(rows["total"])
    print(f"median_ms={np.median(total):.2f} p95_ms={np.percentile(total, 95):.2f} "
          f"mem_growth_mb={growth:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
