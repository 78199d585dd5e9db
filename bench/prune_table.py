"""Prune the blog's seven experiments: parameters, test accuracy, CKA to the parent, ONNX latency.

For each experiment: train it (or reuse its newest finished, unpruned run with --reuse), prune
it (`faceviz prune` defaults: redundancy, 40% of the parameters, 3 fine-tuning epochs), compare
the pruned run with its parent, and export both to ONNX to time one image under ONNX Runtime
(CPU, one thread). Accuracy is on each parent's own test split (the same images for both).
Prints a Markdown table and a final key=value line.

    FACEVIZ_HOME=/tmp/x nice -n 10 python bench/prune_table.py --data /work/shared/data/cmu_faces
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

from faceviz_gui.core.cpu import cpu_name

EXPERIMENTS = ("experiment0", "ex1-1", "ex1-2", "ex1-3", "ex1-4", "ex1-5", "ex1-6")


def parent_run(name: str, data: str, reuse: bool):
    from faceviz_gui.core.training.fit import train_experiment
    from faceviz_gui.core.training.runs import list_runs
    if reuse:
        done = [r for r in list_runs(None, name)
                if r.state == "done" and not r.status.get("parent") and r.has_weights]
        if done:
            return done[-1], 0.0
    t = time.perf_counter()
    result = train_experiment(name, data, device="cpu")
    return result.run, time.perf_counter() - t


def onnx_figures(run, folder: Path) -> dict:
    from faceviz_gui.core.prune.export_model import export_model
    return export_model(run, "onnx", folder / f"{run.id}.onnx")


def interleaved_latency(path_a: str, path_b: str, rounds: int = 7) -> tuple[float, float]:
    """Median ms per image of two ONNX files, timed in alternating rounds so that a busy
    neighbour on the shared machine slows both alike; the best round's median of each."""
    import numpy as np

    from faceviz_gui.core.prune.export_model import latency_ms, onnx_runner
    a, b = onnx_runner(Path(path_a)), onnx_runner(Path(path_b))
    import onnxruntime as ort
    shape = ort.InferenceSession(path_a, providers=["CPUExecutionProvider"]).get_inputs()[0].shape
    one = np.random.default_rng(0).standard_normal((1, *shape[1:])).astype(np.float32)
    ta, tb = [], []
    for _ in range(rounds):
        ta.append(latency_ms(a, one, 100))
        tb.append(latency_ms(b, one, 100))
    return min(ta), min(tb)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="CMU faces folder (or 'synthetic')")
    ap.add_argument("--method", default="redundant")
    ap.add_argument("--amount", type=float, default=0.4)
    ap.add_argument("--finetune-epochs", type=int, default=3)
    ap.add_argument("--experiments", nargs="+", default=list(EXPERIMENTS))
    ap.add_argument("--reuse", action="store_true", help="reuse finished runs of each experiment")
    args = ap.parse_args()
    torch.set_num_threads(1)
    from faceviz_gui.core.prune.prune_job import prune_run
    rows, ok_same, summary = [], 0, {}
    folder = Path(tempfile.mkdtemp(prefix="faceviz-prune-bench-"))
    for name in args.experiments:
        parent, train_s = parent_run(name, args.data, args.reuse)
        t = time.perf_counter()
        result = prune_run(parent, args.method, args.amount, args.finetune_epochs, device="cpu")
        prune_s = time.perf_counter() - t
        before, after = onnx_figures(parent, folder), onnx_figures(result.run, folder)
        before["latency_ms"], after["latency_ms"] = interleaved_latency(before["path"], after["path"])
        cmp = result.comparison
        same = "learned about the same thing" in cmp.verdict
        ok_same += same
        n_test = len(parent.split.get("test", []))
        rows.append((name, result.plan.params_before, result.plan.params_after,
                     result.accuracy_before, result.accuracy_after, n_test, cmp.decision_cka,
                     cmp.agreement, before["latency_ms"], after["latency_ms"],
                     max(before["max_abs_diff"], after["max_abs_diff"]), same, train_s, prune_s))
        print(f"{name}: {result.run.id} ({prune_s:.0f} s) {cmp.verdict}", file=sys.stderr)
        if name == "experiment0":
            summary = {"e0_params_share": result.plan.params_after / result.plan.params_before,
                       "e0_acc_before": result.accuracy_before, "e0_acc_after": result.accuracy_after}
    print(f"CPU: {cpu_name()}; torch threads 1; method {args.method}, amount {args.amount}, "
          f"{args.finetune_epochs} fine-tuning epochs; data {args.data}")
    print("accuracy: each parent's own test split (random 20% by image; the pruned run is "
          "scored on the same images)\n")
    print("| experiment | parameters | pruned | share | test acc. | pruned acc. | test images | "
          "decision CKA to parent | agreement | ONNX ms/image | pruned ONNX ms/image | same? |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for (name, pb, pa, ab, aa, n, cka, agr, lb, la, _diff, same, _t, _p) in rows:
        print(f"| {name} | {pb:,} | {pa:,} | {pa / pb:.0%} | {ab:.1%} | {aa:.1%} | {n} | "
              f"{cka:.2f} | {agr:.0%} | {lb:.3f} | {la:.3f} | {'yes' if same else 'no'} |")
    worst_diff = max(r[10] for r in rows)
    drops = [100 * (r[3] - r[4]) for r in rows]
    print(f"\nmax |ONNX - torch| over all exports: {worst_diff:.2e}")
    print(" ".join([f"experiments={len(rows)}", f"same_verdicts={ok_same}",
                    f"max_acc_drop_points={max(drops):.2f}",
                    f"median_latency_ratio={_median([r[9] / r[8] for r in rows]):.2f}",
                    f"max_abs_diff={worst_diff:.2e}"]
                   + [f"{k}={v:.4f}" for k, v in summary.items()]))
    return 0


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else float("nan")


if __name__ == "__main__":
    sys.exit(main())
