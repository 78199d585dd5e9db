"""`faceviz maps` against the plainest batched torch loop, both as processes (bench/happymaps.py --cli).

The issue's measurement: conv2d_3 and dense_1 of experiment0 at 64x60, 64 steps, one thread,
process start included, in one run on this machine. The two commands alternate for several
rounds (the machine is shared: medians, and CPU time beside wall time). The faceviz command
writes its gallery (PNG, HTML, PDF) as it always does; the plain loop writes nothing.
"""
from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["conv2d_3", "dense_1"]
STEPS = 64


def _timed(cmd: list[str], env: dict) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def _train_run(home: str) -> str:
    from faceviz_gui.core.data.synth import synthetic_faceset
    from faceviz_gui.core.training.fit import fit
    from faceviz_gui.core.training.specs import find_spec
    spec = find_spec("experiment0")
    spec.train.epochs = 2
    data = synthetic_faceset(scale=spec.scale, n_people=8, seed=0)
    return str(fit(spec, data, runs_root=Path(home) / "runs", device="cpu").run.path)


def _activations(run_path: str) -> tuple[float, float]:
    """Mean activation reached by render_layer and by the plain loop, same seeds, in-process."""
    import happymaps_plain as plain
    import torch

    from faceviz_gui.core.maps import happymaps as hm
    from faceviz_gui.core.training.runs import Run
    torch.set_num_threads(1)
    run = Run(run_path)
    ours, theirs = [], []
    for layer in LAYERS:
        ours += [m.activation for m in hm.render_layer(run, layer, steps=STEPS, cache=False).maps]
        model = run.load_model("cpu").eval().requires_grad_(False)
        units = next(i.units for i in model.layer_info() if i.name == layer)
        theirs += plain.render(model, layer, list(range(units)), STEPS)
    return sum(ours) / len(ours), sum(theirs) / len(theirs)


def compare_cli(rounds: int = 3, run: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "FACEVIZ_HOME": home}
        run_path = run or _train_run(home)
        faceviz = [str(Path(sys.executable).parent / "faceviz"), "maps", run_path, "--layers", *LAYERS,
                   "--steps", str(STEPS), "--no-cache", "--threads", "1", "--out", str(Path(home) / "g")]
        plain = [sys.executable, str(ROOT / "bench" / "happymaps_plain.py"), run_path, "--layers",
                 *LAYERS, "--steps", str(STEPS), "--threads", "1"]
        times: dict[str, list[tuple[float, float]]] = {"faceviz": [], "plain": []}
        for r in range(rounds):
            for name, cmd in (("plain", plain), ("faceviz", faceviz)) if r % 2 == 0 else \
                    (("faceviz", faceviz), ("plain", plain)):
                wall, cpu, _ = _timed(cmd, env)
                times[name].append((wall, cpu))
                print(f"round {r + 1} {name:8} wall {wall:6.1f} s  cpu {cpu:6.1f} s", flush=True)
        act_ours, act_plain = _activations(run_path)
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in times.items()}
    print(f"\n{'command':10} {'wall s':>8} {'cpu s':>8}   (medians of {rounds}; {LAYERS}, {STEPS} steps, 1 thread)")
    for k in ("plain", "faceviz"):
        print(f"{k:10} {med[k][0]:8.1f} {med[k][1]:8.1f}")
    ratio_wall, ratio_cpu = med["plain"][0] / med["faceviz"][0], med["plain"][1] / med["faceviz"][1]
    print(f"faceviz vs plain: {ratio_wall:.2f}x wall, {ratio_cpu:.2f}x cpu; mean activation "
          f"{act_ours:.3f} (faceviz) vs {act_plain:.3f} (plain)")
    print(f"cli_vs_plain_wall={ratio_wall:.2f} cli_vs_plain_cpu={ratio_cpu:.2f} "
          f"cli_wall_s={med['faceviz'][0]:.1f} plain_wall_s={med['plain'][0]:.1f} "
          f"act_faceviz={act_ours:.3f} act_plain={act_plain:.3f}")
