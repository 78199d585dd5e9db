"""`faceviz activations RUN IMAGE --layer L`: one value per filter or unit of a layer, for one image."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from faceviz_gui.core.errors import DataError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("activations", help="one layer's activations for one image, one value per unit")
    p.add_argument("run", help="run id, id prefix, path, or 'latest'")
    p.add_argument("image", metavar="IMAGE", help="an image file (any common format)")
    p.add_argument("--layer", required=True, metavar="L",
                   help="a conv or dense layer (conv: each channel's mean activation; dense: each "
                        "unit's value; the decision layer: its logits, before softmax)")
    p.add_argument("--crop-faces", action="store_true",
                   help="find the face and crop it as the live page does (else the whole image, "
                        "centre-cropped to the network's aspect)")
    p.add_argument("--runs", metavar="DIR", help="runs folder (default: the user data dir)")
    p.add_argument("--json", action="store_true", help="end with one JSON line")
    p.set_defaults(func=cmd_activations)


def cmd_activations(args: argparse.Namespace) -> int:
    from faceviz_gui.core.live.activations import image_activations
    from faceviz_gui.core.training.runs import find_run

    run = find_run(args.run, args.runs)
    model = run.load_model("cpu")            # RunError without weights
    if not Path(args.image).exists():
        raise DataError(f"cannot read {args.image}: file not found")
    acts, face = image_activations(model, args.image, args.layer, crop_faces=args.crop_faces)
    what = {"conv2d": "mean activation per channel", "dense": "value per unit"}[acts.kind]
    if acts.decision:
        what = "logit per output (before softmax)"
    if not args.json:
        print(f"{run.id} {acts.layer} on {Path(args.image).name} ({what}; {face}):")
        width = max(len(n) for n in acts.names)
        for name, value in zip(acts.names, acts.values):
            print(f"  {name:<{width}}  {value: .5g}")
        return 0
    out = {**acts.to_json(), "run": run.id, "image": str(args.image), "face": face,
           "measure": what}
    print(json.dumps(out))
    return 0
