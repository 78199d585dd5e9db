"""Batch prediction speed (faceviz eval, Diagnose, photo folders): layout and batch size.

    python bench/predict.py [--images 1024] [--threads 1] [--spec experiment0] [--rounds 3]

A model of the spec (random weights: speed does not depend on them) predicts --images random
faces at the spec's scale through evaluation.predict, four ways in one run, alternating for
--rounds rounds (medians; the machine is shared):
  before   the default memory layout, batches of 256 (evaluation.predict until 2026-12)
  nchw-64  the default layout, batches of 64
  cl-256   channels-last model and input, batches of 256
  shipped  channels-last model (Run.load_model) and input (predict), batches of 64
Times are milliseconds per image; the ratio is against "before". Last line: key=value pairs.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from faceviz_gui.core.cpu import cpu_name  # noqa: E402
from faceviz_gui.core.data.faceset import normalize  # noqa: E402
from faceviz_gui.core.training.evaluation import predict  # noqa: E402
from faceviz_gui.core.training.nets import build_model  # noqa: E402
from faceviz_gui.core.training.specs import find_spec  # noqa: E402


@torch.no_grad()
def predict_nchw(model, images: np.ndarray, batch_size: int) -> np.ndarray:
    """evaluation.predict as it was: the default layout throughout."""
    outs = []
    for start in range(0, len(images), batch_size):
        x = normalize(torch.from_numpy(np.ascontiguousarray(images[start:start + batch_size]))).unsqueeze(1)
        out = model(x)
        outs.append(model.probabilities(out) if hasattr(model, "probabilities") else out)
    return torch.cat(outs).numpy()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--spec", default="experiment0")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    spec = find_spec(args.spec)
    nchw = build_model(spec, seed=0).eval()
    cl = build_model(spec, seed=0).eval().to(memory_format=torch.channels_last)
    h, w = nchw.input_size
    images = np.random.default_rng(0).random((args.images, h, w), dtype=np.float32)
    ways = {
        "before": lambda: predict_nchw(nchw, images, 256),
        "nchw-64": lambda: predict_nchw(nchw, images, 64),
        "cl-256": lambda: predict(cl, images, 256),
        "shipped": lambda: predict(cl, images, 64),
    }
    reference = ways["before"]()
    worst = max(float(np.abs(f() - reference).max()) for f in ways.values())
    times: dict[str, list[float]] = {k: [] for k in ways}
    for r in range(args.rounds):
        for name in (list(ways) if r % 2 == 0 else list(reversed(ways))):
            t0 = time.perf_counter()
            ways[name]()
            times[name].append((time.perf_counter() - t0) / args.images * 1000)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{args.spec} at {w}x{h}, {args.images} images, {args.threads} thread(s), "
          f"medians of {args.rounds}; {cpu_name()}")
    print(f"{'way':10} {'ms/image':>9} {'vs before':>10}")
    for k, v in med.items():
        print(f"{k:10} {v:9.3f} {med['before'] / v:9.2f}x")
    print(f"outputs agree within {worst:.1e}")
    print(f"before_ms={med['before']:.3f} shipped_ms={med['shipped']:.3f} "
          f"speedup={med['before'] / med['shipped']:.2f} max_diff={worst:.1e}")


if __name__ == "__main__":
    main()
