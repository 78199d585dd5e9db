"""How long a whole diagnosis takes, stage by stage (target: 200 photos well under a minute
on a 2-core CPU).

    FACEVIZ_HOME=... nice .venv/bin/python bench/diagnose.py RUN FOLDER [--crop-faces] [--threads N]

Prints a table of the stages (seconds) and a final key=value line. Name the CPU beside the
figures: `lscpu | grep 'Model name'`; the machine's load changes them a lot.
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("folder")
    ap.add_argument("--crop-faces", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from faceviz_gui.core.diagnose.job import diagnose
    from faceviz_gui.core.training.runs import find_run

    run = find_run(args.run)
    start = time.perf_counter()
    cpu0 = time.process_time()
    d = diagnose(run, args.folder, crop_faces=args.crop_faces)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    print(f"{'stage':<14}{'seconds':>9}")
    for k, v in d.timings.items():
        print(f"{k:<14}{v:>9.2f}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"images={d.n} wall_s={wall:.1f} cpu_s={cpu:.1f} threads={args.threads} "
          f"load1={load:.1f} crop_faces={args.crop_faces} machine={platform.machine()}")


if __name__ == "__main__":
    main()
