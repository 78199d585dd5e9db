"""`faceviz maps RUN`: render a run's HappyMaps and export the gallery, headless."""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from faceviz_gui.cli import bounded_int
from faceviz_gui.core.errors import FaceVizError, shown

MAX_STEPS = 100_000  # 256 is the recipe; far beyond this a render would run for days


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("maps", help="render a run's HappyMaps and export the gallery")
    p.add_argument("run", help="run id, id prefix, path, or 'latest'")
    p.add_argument("--layers", nargs="+", metavar="L",
                   help="layers to render (default: every conv and dense layer)")
    p.add_argument("--steps", type=bounded_int(1, MAX_STEPS), default=256,
                   help="optimisation steps (default 256)")
    p.add_argument("--objective", choices=("channel", "neuron"), default="channel",
                   help="conv layers: mean of the channel (default) or its centre unit")
    p.add_argument("--seed", type=bounded_int(0, 2**31 - 1), default=0)
    p.add_argument("--out", metavar="DIR", help="output folder (default: <run>/gallery)")
    p.add_argument("--formats", default="png,html,pdf", help="comma list of png, html, pdf")
    p.add_argument("--runs", metavar="DIR", help="runs folder (default: the user data dir)")
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    p.add_argument("--no-cache", action="store_true", help="render again even if cached")
    p.add_argument("--threads", type=bounded_int(0, 1024), default=None,
                   help="torch CPU threads (default: the cores idle now, from the load average; "
                        "on 2 shared cores 2 threads measured 2.4x slower than 1; 0 keeps torch's own)")
    p.set_defaults(func=cmd_maps)


class _LayerBar:
    """Reporter for one layer's render, moving a shared tqdm bar by steps done."""

    def __init__(self, bar, offset: int):
        self.bar, self.offset = bar, offset

    def report(self, **v) -> None:
        if v.get("kind") == "progress":
            self.bar.update(self.offset + v["done"] - self.bar.n)

    def should_stop(self) -> bool:
        return False


def cmd_maps(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from faceviz_gui.core.export.writers import FORMATS, export_gallery
    from faceviz_gui.core.maps import happymaps as hm
    from faceviz_gui.core.training.runs import find_run

    if args.device != "cpu":
        # Only here: training.fit imports OpenCV (face crops), 0.2 s of process start.
        from faceviz_gui.core.training.fit import resolve_device
        resolve_device(args.device)  # a bad or absent device is one line before any work
    if args.threads != 0:
        import torch

        from faceviz_gui.core.cpu import idle_threads
        torch.set_num_threads(args.threads or idle_threads())
    if args.steps < 1:
        raise FaceVizError("--steps must be at least 1")
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise FaceVizError(f"unknown format {unknown[0] if unknown else '(none)'!r}; "
                           f"use a comma list of {', '.join(FORMATS)}")
    run = find_run(args.run, args.runs)
    model = run.load_model("cpu")                       # RunError if it has no weights
    available = hm.map_layers(model)
    layers = args.layers or available
    for name in layers:
        if name not in available:
            raise FaceVizError(f"run {run.id} has no layer {name!r} with maps; "
                               f"layers: {', '.join(available)}")
    units = {i.name: i.units for i in model.layer_info()}
    chunk = hm.chunk_size(model.input_size)
    work = [args.steps * math.ceil(units[name] / chunk) for name in layers]
    out = Path(args.out) if args.out else run.path / "gallery"
    from faceviz_gui.core import atomic
    atomic.check_writable(out)  # a read-only output is one line now, not after the render
    results = []
    t0 = time.perf_counter()
    with tqdm(total=sum(work), unit="step", file=sys.stderr, dynamic_ncols=True) as bar:
        for name, offset in zip(layers, [sum(work[:i]) for i in range(len(work))]):
            bar.set_description(name)
            t1 = time.perf_counter()
            lm = hm.render_layer(run, name, steps=args.steps, objective=args.objective,
                                 seed=args.seed, reporter=_LayerBar(bar, offset),
                                 device=args.device, cache=not args.no_cache)
            bar.update(offset + work[layers.index(name)] - bar.n)
            bar.write(f"{name}: {len(lm.maps)} maps, {lm.summary()} ({time.perf_counter() - t1:.1f} s)",
                      file=sys.stderr)
            results.append(lm)
    rendered = time.perf_counter() - t0
    from faceviz_gui.core.maps import native_build
    if args.device == "cpu" and native_build.status().startswith("not built"):
        print(f"note: fused map kernels {native_build.status()}; maps rendered with plain torch "
              "(same maps, about a quarter slower)", file=sys.stderr)
    written = export_gallery(run, results, out, formats=formats)
    print(f"{len(results)} layers rendered in {rendered:.1f} s; {len(written)} files in {shown(out)}")
    return 0
