"""`faceviz diagnose RUN --data FOLDER --out DIR`: why a run fails on a folder of new faces,
as a standalone HTML report with its plots as PNGs (and one JSON line with --json)."""
from __future__ import annotations

import argparse
import json
import sys
import time


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diagnose", help="why a run fails on a labelled folder: sensitivity, "
                                        "attention, domain gap, embedding, mistakes, findings")
    p.add_argument("run", help="run id, id prefix, path, or 'latest'")
    p.add_argument("--data", required=True, metavar="FOLDER",
                   help="labelled folder: photos in left/right/straight/up subfolders, or CMU format")
    p.add_argument("--crop-faces", action="store_true",
                   help="find each face and crop it to CMU framing (as the Live page does)")
    p.add_argument("--layer", help="layer to embed (default: the last hidden layer)")
    p.add_argument("--method", default="gradcam",
                   help="attention method: gradcam (default), saliency, ig, guided, occlusion")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for index.html and PNGs")
    p.add_argument("--train-data", metavar="FOLDER",
                   help="the data the run trained on, when its recorded source is not here")
    p.add_argument("--runs", metavar="DIR", help="runs folder (default: the user data dir)")
    p.add_argument("--json", action="store_true", help="end with one JSON object on stdout")
    p.set_defaults(func=cmd_diagnose)


class _LineReporter:
    """Progress as short lines on stderr, at most one per stage message."""

    def __init__(self):
        self._last = ""

    def report(self, **v) -> None:
        msg = v.get("message", "")
        if v.get("kind") == "progress" and msg and msg != self._last and "total" in v:
            self._last = msg
            print(f"[{v.get('done', 0)}/{v['total']}] {msg}", file=sys.stderr)

    def should_stop(self) -> bool:
        return False


def cmd_diagnose(args: argparse.Namespace) -> int:
    from faceviz_gui.core.diagnose.job import diagnose
    from faceviz_gui.core.diagnose.report_html import write_report
    from faceviz_gui.core.training.runs import find_run

    run = find_run(args.run, args.runs)
    train_data = None
    if args.train_data:
        from faceviz_gui.core.data.sources import load_source
        train_data = load_source(args.train_data, run.spec.scale)
    start = time.perf_counter()
    diag = diagnose(run, args.data, crop_faces=args.crop_faces, layer=args.layer,
                    method=args.method, reporter=_LineReporter(), train_data=train_data)
    seconds = time.perf_counter() - start
    index = write_report(diag, args.out)
    for s in diag.folder.skipped:
        print(f"skipped {s}", file=sys.stderr)
    if args.json:
        print(json.dumps(diag.to_json()))
    else:
        print(f"{diag.experiment} on {diag.n} images: accuracy {diag.accuracy:.3f} "
              f"({seconds:.1f} s)")
        for line in diag.findings:
            print(f"- {line}")
        print(f"report: {index}")
    return 0
