"""fit() against a bare torch loop: images per second on experiment0 at 64x60.

Both train the same model (same initial weights, same channels-last layout), on the same
tensors preloaded on the same device, with the same batch size, optimizer and loss. The bare loop shuffles and steps and
nothing else; fit() also splits, validates, checkpoints, writes weights and metrics each
epoch, reports, and evaluates the test split at the end — all of it is inside its time.
Repeats are interleaved (bare, fit, bare, fit, ...) so machine noise hits both alike; the
ratio is of the medians. Data: --data DIR, else FACEVIZ_CMU_DIR, else synthetic faces.

    python bench/train.py [--epochs 20] [--repeats 3] [--threads 1] [--device cpu]

Last line: fit_vs_bare=<ratio> (wall-clock; target >= 0.9).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

import torch


def bare_loop(spec, x: torch.Tensor, y: torch.Tensor, epochs: int) -> float:
    """Seconds for ``epochs`` of plain shuffled minibatch training."""
    from faceviz_gui.core.training.loop import loss_fn, training_layout
    from faceviz_gui.core.training.nets import build_model
    model = training_layout(build_model(spec, seed=spec.train.seed), x.device).train()
    opt = torch.optim.Adam(model.parameters(), lr=spec.train.learning_rate)
    loss = loss_fn(spec)
    bs, n = spec.train.batch_size, len(x)
    gen = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen).to(x.device)
        for b in range(0, n, bs):
            idx = perm[b:b + bs]
            out = model(x[idx])
            batch_loss = loss(out, y[idx])
            opt.zero_grad(set_to_none=True)
            batch_loss.backward()
            opt.step()
    if x.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("FACEVIZ_CMU_DIR", "synthetic"))
    ap.add_argument("--epochs", type=int, default=20, help="default: experiment0's own 20")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.environ.setdefault("FACEVIZ_HOME", tempfile.mkdtemp(prefix="faceviz-bench-"))

    from faceviz_gui.core.data.faceset import normalize
    from faceviz_gui.core.data.sources import load_source, make_split
    from faceviz_gui.core.tasks import NullReporter
    from faceviz_gui.core.training.fit import fit, resolve_device
    from faceviz_gui.core.training.loop import as_batch
    from faceviz_gui.core.training.specs import find_spec

    spec = find_spec("experiment0")
    spec.train.epochs = args.epochs
    device = resolve_device(args.device)
    data = load_source(args.data, spec.scale)
    split = make_split(data, spec.split, spec.task, spec.train.seed)
    train = torch.from_numpy(split["train"])
    x = as_batch(normalize(torch.from_numpy(data.images)).unsqueeze(1)[train], device)
    y = torch.from_numpy(data.labels(spec.task))[train].to(device)
    n_images = len(train) * args.epochs
    runs_root = tempfile.mkdtemp(prefix="faceviz-bench-runs-")
    print(f"experiment0 {spec.input_size[1]}x{spec.input_size[0]}, {len(data)} images "
          f"({data.source}), {len(train)} training, batch {spec.train.batch_size}, "
          f"{args.epochs} epochs, device {device}, {args.threads} thread(s)")

    bare_loop(spec, x, y, 1)  # warm-up: first-call allocations and kernel selection
    # Wall time is what a user waits; process CPU time (all threads, so fit's writer counts)
    # is steadier when other jobs share the machine. Both are shown; the last line is wall.
    rates: dict[str, list[float]] = {"bare": [], "fit": []}
    cpu_rates: dict[str, list[float]] = {"bare": [], "fit": []}
    for r in range(args.repeats):
        for kind in (("bare", "fit") if r % 2 == 0 else ("fit", "bare")):
            start, cpu = time.perf_counter(), time.process_time()
            if kind == "bare":
                bare_loop(spec, x, y, args.epochs)
            else:
                fit(spec, data, NullReporter(), runs_root=runs_root, device=device)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            rates[kind].append(n_images / seconds)
            cpu_rates[kind].append(n_images / cpu)
            print(f"  repeat {r + 1} {kind:<4} {seconds:7.2f} s wall {cpu:7.2f} s cpu  "
                  f"{n_images / seconds:8.1f} img/s", file=sys.stderr)

    med = statistics.median
    print(f"{'loop':<6}{'img/s wall':>12}{'min':>9}{'max':>9}{'img/s cpu':>12}")
    for kind, vals in rates.items():
        print(f"{kind:<6}{med(vals):>12.1f}{min(vals):>9.1f}{max(vals):>9.1f}"
              f"{med(cpu_rates[kind]):>12.1f}")
    cpu_ratio = med(cpu_rates["fit"]) / med(cpu_rates["bare"])
    ratio = med(rates["fit"]) / med(rates["bare"])
    print(f"fit_vs_bare_cpu={cpu_ratio:.3f}")
    print(f"fit_vs_bare={ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
