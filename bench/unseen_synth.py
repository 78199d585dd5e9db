"""Experiment: synthetic people mixed into CMU training, scored on unseen people (issue 10).

    python bench/unseen_synth.py models/ex2-pose.toml --synth 0 20 60 --seeds 0 1 2

Hypothesis: extra people with other faces and brightness make the network rely less on the
13 CMU training people's specifics. Each (synthetic people, seed) trains the spec as
unseen_faces.py does (13 CMU people, the 4 of HELD_OUT left out) with ``[data]
synthetic_people = N`` and ``train.seed = seed`` (training/synthetic_mix.py: N people drawn
with that seed, in the TRAINING split only). Scored on unseen_faces.SETS; prints each run,
then the mean of the seeds per N. One torch thread. Training time grows with the images
(N * 32 more: 60 people is about 4 minutes a training on an AMD EPYC core).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from unseen_faces import SETS, Sets, score  # noqa: E402
from unseen_sets import CMU_DIR, HELD_OUT  # noqa: E402

from faceviz_gui.core.cpu import cpu_name  # noqa: E402
from faceviz_gui.core.data.cmu import load_cmu  # noqa: E402
from faceviz_gui.core.training.fit import fit  # noqa: E402
from faceviz_gui.core.training.specs import find_spec  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spec")
    ap.add_argument("--synth", type=int, nargs="+", default=[0, 20, 60])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--runs", default="/tmp/faceviz_bench/runs_synth")
    ap.add_argument("--scratch", default="/tmp/faceviz_bench/sets")
    args = ap.parse_args()
    torch.set_num_threads(1)
    sets = Sets(Path(args.scratch))
    results: dict[int, list[dict]] = {}
    for n in args.synth:
        for seed in args.seeds:
            spec = find_spec(args.spec)
            spec.train.seed, spec.data.synthetic_people = seed, n
            spec.split.kind, spec.split.people, spec.split.n_people = "people", list(HELD_OUT), 0
            data = load_cmu(CMU_DIR, scale=spec.scale)
            t0 = time.perf_counter()
            run = fit(spec, data, runs_root=Path(args.runs), device="cpu",
                      source=str(CMU_DIR)).run
            secs = time.perf_counter() - t0
            n_train = len(run.split["train"])
            r = score(run, sets)
            results.setdefault(n, []).append(r)
            print(f"synth={n} seed={seed} run={run.id} n_train={n_train} train_s={secs:.1f} "
                  + " ".join(f"{s}={r[s]:.3f}" for s in SETS), flush=True)
    print(f"CPU: {cpu_name()}; spec {args.spec}; seeds {args.seeds}; means:")
    print("| synthetic people | " + " | ".join(SETS) + " |")
    for n, rs in results.items():
        print(f"| {n} | " + " | ".join(f"{np.mean([r[s] for r in rs]):.3f}" for s in SETS) + " |")


if __name__ == "__main__":
    main()
