"""HappyMaps speed: experiment0's whole gallery, batched vs plain torch vs one at a time vs lucent.

Every conv and dense layer of experiment0 (32+32+64+64+64+2 = 258 maps), `--steps` (256)
steps, at 32x30, 64x60 and 128x120, three ways in one run:
  batched  render_layer as the app calls it (all filters of a layer per chunk)
  plain    the same recipe written the plainest batched way in torch (bench/happymaps_plain.py:
           model.forward_to, torch.optim.Adam, affine_grid, frozen weights; same chunks, seeds)
  loop     the same code, one filter at a time (chunk=1)
  lucent   torch-lucent's render_vis, one channel at a time, same steps, one grey Fourier
           channel, fixed image size (no upsampling to 224), if it can be imported
Weights: experiment0 trained 2 epochs on synthetic faces (so the maps mean something) at
32x30 and 64x60; random at 128x120 (training there would dominate the run; speed does not
depend on the weights). The full gallery is rendered batched at 32x30 and 64x60; the slow
variants render a few filters of every layer and are extrapolated per layer to all 258 (the
table says how many were rendered). Times are wall-clock seconds with CPU seconds beside them
(this machine is shared: CPU time is the steadier figure). Mean activation reached is over
the filters that every variant rendered.

    python bench/happymaps.py [--quick] [--threads N] [--steps N] [--lucent-path DIR]
    python bench/happymaps.py --cli [--rounds 3]     # the issue's command against plain torch

--cli times the command `faceviz maps RUN --layers conv2d_3 dense_1 --steps 64 --no-cache
--threads 1` and `python bench/happymaps_plain.py RUN` (same layers, steps, threads) as
processes, start included, alternating for --rounds rounds, on experiment0 at 64x60 trained
2 epochs on synthetic faces in a temporary FACEVIZ_HOME (or --run RUN). It reports wall and CPU
(user + system) medians, their ratios, and the mean activation both reach (in-process, same
seeds).

torch-lucent is never installed into the project's environment: with no --lucent-path the
benchmark puts it in its own folder (~/.cache/faceviz-bench/lucent) with
`pip install --no-deps --target DIR torch-lucent==0.1.8 kornia==0.4.1 decorator` (kornia 0.9
does not work with lucent; --no-deps keeps pip from replacing torch). It imports torchvision
only for ImageNet's Normalize, which we do not use: a stand-in module provides that one name.
Last line: key=value pairs.
"""
from __future__ import annotations

import argparse
import copy
import os
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import happymaps_plain as plain  # noqa: E402  (bench/ is on sys.path when run as a script)
from happymaps_cli import compare_cli  # noqa: E402

from faceviz_gui.core.data.faceset import normalize  # noqa: E402
from faceviz_gui.core.maps import happymaps as hm  # noqa: E402
from faceviz_gui.core.training.nets import build_model  # noqa: E402
from faceviz_gui.core.training.specs import find_spec  # noqa: E402

SIZES = {4: "32x30", 2: "64x60", 1: "128x120"}


def model_for(scale: int, train: bool):
    spec = find_spec("experiment0").copy(scale=scale)
    if not train:
        return build_model(spec, seed=0)
    from faceviz_gui.core.data.synth import synthetic_faceset
    from faceviz_gui.core.training.fit import fit
    spec.train.epochs = 2
    data = synthetic_faceset(scale=scale, n_people=8, seed=0)
    with tempfile.TemporaryDirectory() as root:
        return fit(spec, data, runs_root=root, device="cpu").run.load_model()


def units_of(model) -> dict[str, int]:
    return {i.name: i.units for i in model.layer_info() if i.name in hm.map_layers(model)}


class Clock:
    def __enter__(self):
        self.w, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.w, time.process_time() - self.c


def run_variant(model, per_layer: dict[str, list[int]], steps: int, chunk, device="cpu"):
    """Render the chosen filters of each layer; returns gallery estimates and activations."""
    units = units_of(model)
    wall = cpu = 0.0
    acts: dict[tuple[str, int], float] = {}
    for layer, filters in per_layer.items():
        with Clock() as c:
            if chunk == "lucent":
                got = {f: lucent_one(model, layer, f, steps) for f in filters}
            elif chunk == "plain":
                n = hm.chunk_size(model.input_size)
                got = {f: a for i in range(0, len(filters), n)
                       for f, a in zip(filters[i:i + n], plain.render(model, layer, filters[i:i + n], steps))}
            else:
                lm = hm.render_layer(model, layer, filters=filters, steps=steps, chunk=chunk,
                                     device=device, cache=False)
                got = {m.index: m.activation for m in lm.maps}
        share = units[layer] / len(filters)           # extrapolate to the whole layer
        wall, cpu = wall + c.wall * share, cpu + c.cpu * share
        acts.update({(layer, f): a for f, a in got.items()})
    return wall, cpu, acts


# -- torch-lucent -----------------------------------------------------------------------------

LUCENT = {"error": "not tried"}


LUCENT_PINS = ("torch-lucent==0.1.8", "kornia==0.4.1", "decorator")


def provision_lucent() -> str | None:
    """A private folder holding lucent (installed once); None, with the reason kept, if pip fails."""
    target = os.path.join(os.path.expanduser("~/.cache/faceviz-bench"), "lucent")
    if os.path.isdir(os.path.join(target, "lucent")):
        return target
    print(f"installing torch-lucent into {target} (once, outside the project) ...", flush=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--target", target, *LUCENT_PINS], capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["pip failed"])[-1]
        LUCENT["error"] = f"could not install {' '.join(LUCENT_PINS)}: {last}"
        return None
    return target


def load_lucent(path: str | None, provision: bool = True) -> None:
    if path is None and provision:
        path = provision_lucent()
        if path is None:
            return
    if path:
        sys.path.insert(0, path)
    if "torchvision" not in sys.modules:
        # lucent imports torchvision only for transforms.Normalize (ImageNet preprocessing).
        tv, tvt = types.ModuleType("torchvision"), types.ModuleType("torchvision.transforms")

        class Normalize(torch.nn.Module):
            def __init__(self, mean, std):
                super().__init__()
                self.mean, self.std = torch.tensor(mean)[:, None, None], torch.tensor(std)[:, None, None]

            def forward(self, x):
                return (x - self.mean.to(x)) / self.std.to(x)
        tvt.Normalize, tv.transforms = Normalize, tvt
        sys.modules.update({"torchvision": tv, "torchvision.transforms": tvt})
    if "IPython" not in sys.modules:        # lucent.misc.io shows images in notebooks only
        ip, ipd = types.ModuleType("IPython"), types.ModuleType("IPython.display")
        ip.display = ipd
        sys.modules.update({"IPython": ip, "IPython.display": ipd})
    try:
        from lucent.optvis import objectives, param, render, transform
    except Exception as exc:  # an import failure of a third-party package, reported as such
        LUCENT["error"] = f"{type(exc).__name__}: {exc}"
        return
    LUCENT.update(error="", objectives=objectives, param=param, render=render, transform=transform)


def lucent_one(model, layer: str, index: int, steps: int) -> float:
    """One channel with lucent's own loop; returns our objective on its final image."""
    L = LUCENT
    h, w = model.input_size
    name = f"layers_{model.layer_names.index(layer)}_op"   # lucent's hook name of the op
    param_f = lambda: L["param"].image(w, h, sd=0.01, channels=1, decorrelate=False, fft=True)  # noqa: E731
    transforms = L["transform"].standard_transforms + [normalize]
    images = L["render"].render_vis(model, L["objectives"].channel(name, index), param_f,
                                    transforms=transforms, thresholds=(steps,), preprocess=False,
                                    progress=False, show_image=False, fixed_image_size=(h, w))
    img = torch.from_numpy(np.ascontiguousarray(images[-1][..., 0]))[:, None]
    with torch.no_grad():
        y = model.forward_to(normalize(img), layer)
    return float(y[0, index].mean() if y.dim() == 4 else y[0, index])


# -- main -------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="32 steps, fewer filters: a sanity run")
    ap.add_argument("--steps", type=int, default=256)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (default 1: on a shared 2-core machine 2 threads stall)")
    ap.add_argument("--no-train", action="store_true", help="random weights everywhere")
    ap.add_argument("--lucent-path", help="folder holding lucent, kornia and decorator "
                    "(default: installed once into ~/.cache/faceviz-bench/lucent)")
    ap.add_argument("--sizes", default="4,2,1", help="scales to run (4=32x30, 2=64x60, 1=128x120)")
    ap.add_argument("--device-only", action="store_true", help="only the GPU gallery times")
    ap.add_argument("--cli", action="store_true", help="only the command-line comparison with plain torch")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--run", help="with --cli: an experiment0 run at 64x60 (default: train one)")
    ap.add_argument("--variants", default="batched,plain,loop,lucent",
                    help="which CPU variants to run (re-measure the gallery alone: --variants batched)")
    args = ap.parse_args()
    if args.cli:
        compare_cli(args.rounds, args.run)
        return
    steps = 32 if args.quick else args.steps
    torch.set_num_threads(args.threads)
    scales = [int(s) for s in args.sizes.split(",")]
    load_lucent(args.lucent_path, provision="lucent" in args.variants)
    cuda = torch.cuda.is_available()
    print(f"torch {torch.__version__}, {args.threads} thread(s), steps {steps}, "
          f"bf16 below target: {hm._cpu_bf16() and hm.BF16_ON_CPU}, cuda: {cuda}")
    print(f"lucent: {'available' if not LUCENT['error'] else 'unavailable (' + LUCENT['error'] + ')'}")
    keys: dict[str, str] = {}
    header = (f"{'size':8} {'variant':8} {'rendered':>8} {'wall s':>8} {'cpu s':>8} {'mean act':>9}"
              "  vs batched (wall / cpu)")
    print(header)
    print("-" * len(header))
    for scale in scales:
        size = SIZES[scale]
        model = model_for(scale, train=not args.no_train and scale != 1)
        units = units_of(model)
        hm.render_layer(model, "dense_3", steps=4, cache=False)             # warm-up
        full = scale != 1 and not args.quick
        sample_b = {l: list(range(n if full else min(n, hm.chunk_size(model.input_size))))
                    for l, n in units.items()}
        k_loop = 2 if (scale == 1 or args.quick) else 4
        sample_l = {l: list(range(min(n, k_loop))) for l, n in units.items()}
        rows = {}
        if cuda:
            hm.render_layer(model, "dense_3", steps=4, cache=False, device="cuda")
            torch.cuda.synchronize()
            rows["cuda"] = run_variant(model, {l: list(range(n)) for l, n in units.items()}, steps,
                                       None, device="cuda")
            keys[f"gallery_{size}_cuda_s"] = f"{rows['cuda'][0]:.1f}"
        variants = [] if args.device_only else args.variants.split(",")
        if "batched" in variants:
            rows["batched"] = run_variant(model, sample_b, steps, None)
        if "plain" in variants:
            frozen = copy.deepcopy(model).eval().requires_grad_(False)
            rows["plain"] = run_variant(frozen, sample_b, steps, "plain")
        if "loop" in variants:
            rows["loop"] = run_variant(model, sample_l, steps, 1)
        if "lucent" in variants:
            if not LUCENT["error"] and scale != 1:
                rows["lucent"] = run_variant(model, sample_l, steps, "lucent")
        common = set.intersection(*(set(r[2]) for r in rows.values()))
        base = rows.get("batched", rows.get("cuda"))
        for name, (wall, cpu, acts) in rows.items():
            n = sum(len(v) for v in (sample_l if name in ("loop", "lucent") else sample_b).values())
            act = np.mean([acts[k] for k in common])
            print(f"{size:8} {name:8} {n:>8} {wall:8.1f} {cpu:8.1f} {act:9.3f}  "
                  f"{wall / base[0]:.2f}x / {cpu / base[1]:.2f}x")
        if "batched" in rows:
            keys[f"gallery_{size}_s"] = f"{rows['batched'][0]:.1f}"
            keys[f"gallery_{size}_cpu_s"] = f"{rows['batched'][1]:.1f}"
        if "batched" in rows and "plain" in rows:
            keys[f"vs_plain_{size}"] = f"{rows['plain'][0] / rows['batched'][0]:.2f}"
            keys[f"vs_plain_{size}_cpu"] = f"{rows['plain'][1] / rows['batched'][1]:.2f}"
        if "batched" in rows and "loop" in rows:
            keys[f"batched_vs_loop_{size}"] = f"{rows['loop'][0] / rows['batched'][0]:.2f}"
            keys[f"batched_vs_loop_{size}_cpu"] = f"{rows['loop'][1] / rows['batched'][1]:.2f}"
        if "lucent" in rows:
            keys[f"vs_lucent_{size}"] = f"{rows['lucent'][0] / rows['batched'][0]:.2f}"
            act_b = np.mean([rows["batched"][2][k] for k in common])
            act_l = np.mean([rows["lucent"][2][k] for k in common])
            keys[f"act_vs_lucent_{size}"] = f"{act_b / act_l:.2f}" if act_l > 0 else "n/a"
    if LUCENT["error"] and "lucent" in args.variants:
        keys["vs_lucent"] = "unavailable"
    print(" ".join(f"{k}={v}" for k, v in keys.items()))


if __name__ == "__main__":
    main()
