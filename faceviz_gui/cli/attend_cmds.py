"""`faceviz attend RUN IMAGE ...`: where a trained network looks on your own images."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from faceviz_gui.core.errors import DataError, FaceVizError, shown

METHOD_CHOICES = "gradcam|saliency|ig|guided|occlusion|all"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("attend", help="attention heatmaps of a run on images, as PNG overlays")
    p.add_argument("run", help="run id, id prefix, path, or 'latest'")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (any common format)")
    p.add_argument("--method", default="gradcam", help=f"{METHOD_CHOICES} (default gradcam)")
    p.add_argument("--target", help="class index or name to explain (default: the predicted)")
    p.add_argument("--out", metavar="DIR", default="attention",
                   help="folder for the PNGs (default ./attention)")
    p.add_argument("--colormap", default="jet", help="jet (default) or inferno")
    p.add_argument("--runs", metavar="DIR", help="runs folder (default: the user data dir)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_attend)


def cmd_attend(args: argparse.Namespace) -> int:
    from faceviz_gui.core import atomic
    from faceviz_gui.core.attention.colormaps import COLORMAPS
    from faceviz_gui.core.attention.methods import METHODS, attribute_image
    from faceviz_gui.core.data.imageload import load_image_file
    from faceviz_gui.core.export.sheets import attention_panel
    from faceviz_gui.core.training.runs import find_run

    methods = list(METHODS) if args.method == "all" else [args.method]
    if methods[0] not in METHODS:
        raise FaceVizError(f"unknown method {args.method!r} (use {METHOD_CHOICES})")
    if args.colormap not in COLORMAPS:
        raise FaceVizError(f"unknown colormap {args.colormap!r} (use {', '.join(COLORMAPS)})")
    run = find_run(args.run, args.runs)
    model = run.load_model("cpu")   # RunError without weights
    size = tuple(model.input_size)
    images = []
    for path in args.images:        # every image read before anything is written
        grey, reason = load_image_file(path, size)
        if grey is None:
            raise DataError(f"cannot read {shown(path)}: {reason}")
        images.append((Path(path), grey))
    out = atomic.check_writable(args.out)
    rows = []
    for path, grey in images:
        results = [attribute_image(model, grey, m, args.target) for m in methods]
        first = results[0]
        name = f"{path.stem}_{args.method}.png"
        title = f"{path.name}: {run.spec.name} predicts {first.describe()}"
        panel = attention_panel(grey, results, title, colormap=args.colormap)
        atomic.write_with(out / name, lambda p, panel=panel: panel.save(p, format="PNG"))
        rows.append({"image": str(path), "predicted": first.predicted_class,
                     "outputs": dict(zip(first.classes, map(float, first.outputs))),
                     "output_kind": first.output_kind, "target": first.target_class,
                     "methods": methods, "png": str(out / name),
                     "ms": {r.method: round(r.seconds * 1000, 2) for r in results}})
        if not args.json:
            print(f"{shown(path.name)}: {first.describe()}  -> {shown(out / name)}")
    if args.json:
        print(json.dumps({"run": run.id, "experiment": run.spec.name, "images": rows}))
    return 0
