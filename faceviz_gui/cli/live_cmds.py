"""`faceviz live RUN SOURCE`: the Live test page, headless.

A video file is read frame by frame through the live pipeline (face, CMU crop, prediction,
attention) and summarised; a folder or photos are scored like the page's Photos tab, with
the table as CSV. (`faceviz eval RUN --data FOLDER --crop-faces` gives the plain report.)
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from faceviz_gui.cli import bounded_int
from faceviz_gui.core.errors import DataError, FaceVizError, shown


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("live", help="test a run on a video file, photos or a labelled folder")
    p.add_argument("run", help="run id, id prefix, path, or 'latest'")
    p.add_argument("source", nargs="+", metavar="SOURCE",
                   help="a video file, a labelled photo folder, or photo files")
    p.add_argument("--method", default="gradcam",
                   help="attention method: gradcam (default), saliency, ig, guided, occlusion, none")
    p.add_argument("--no-crop-faces", action="store_true",
                   help="photos: take the centred crop instead of finding the face")
    p.add_argument("--csv", metavar="FILE", help="photos: write the table as CSV")
    p.add_argument("--frames", metavar="FILE", help="video: write one JSON line per frame")
    p.add_argument("--max-frames", type=bounded_int(0, 10**9), default=0,
                   help="video: stop after this many")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--runs", metavar="DIR", help="runs folder (default: the user data dir)")
    p.set_defaults(func=cmd_live)


def cmd_live(args: argparse.Namespace) -> int:
    from faceviz_gui.core.attention.methods import METHODS
    from faceviz_gui.core.live.pipeline import VIDEO_SUFFIXES
    from faceviz_gui.core.training.runs import find_run

    if args.method not in METHODS + ("none",):
        raise FaceVizError(f"unknown method {args.method!r} (use {', '.join(METHODS)} or none)")
    run = find_run(args.run, args.runs)
    paths = [Path(s) for s in args.source]
    missing = [shown(p) for p in paths if not p.exists()]
    if missing:
        raise DataError(f"not found: {', '.join(missing)}")
    if len(paths) == 1 and paths[0].suffix.lower() in VIDEO_SUFFIXES:
        from faceviz_gui.core.safefiles import file_problem
        problem = file_problem(paths[0], 1 << 62)  # a FIFO named .mp4 would block the decoder
        if problem:
            raise DataError(f"cannot read the video {shown(paths[0])}: {problem}")
        return _video(run, paths[0], args)
    return _photos(run, paths[0] if len(paths) == 1 and paths[0].is_dir() else paths, args)


def _video(run, path: Path, args) -> int:
    import cv2
    import numpy as np

    from faceviz_gui.core.live.pipeline import LivePipeline

    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise DataError(f"cannot open the video {path} (not a video OpenCV can decode)")
    pipe = LivePipeline.from_run(run, args.method)
    out: list[str] | None = [] if args.frames else None  # written whole at the end (atomic)
    counts, found, totals, n = Counter(), 0, [], 0
    try:
        while not args.max_frames or n < args.max_frames:
            ok, bgr = cap.read()
            if not ok:
                break
            r = pipe.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            n += 1
            counts[r.predicted_class] += 1
            found += r.found
            totals.append(r.timings["total"])
            if out is not None:
                out.append(json.dumps(r.to_json()) + "\n")
    finally:
        cap.release()
    if out is not None:
        from faceviz_gui.core import atomic
        atomic.write_text(args.frames, "".join(out))
    if n == 0:
        raise DataError(f"no frames could be read from {path}")
    summary = {"run": run.id, "video": str(path), "frames": n, "faces_found": found,
               "predicted": dict(counts), "median_ms": float(np.median(totals)),
               "p95_ms": float(np.percentile(totals, 95))}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"run {run.id} on {path}: {n} frames, face found in {found}")
        for c, k in counts.most_common():
            print(f"  {c:<12} {k:6d} frames ({100 * k / n:.0f}%)")
        print(f"latency median {summary['median_ms']:.1f} ms, p95 {summary['p95_ms']:.1f} ms")
    return 0


def _photos(run, what, args) -> int:
    from faceviz_gui.core.live.photo_eval import evaluate_folder
    from faceviz_gui.core.training.evaluation import format_report

    ev = evaluate_folder(run, what, crop_faces=not args.no_crop_faces, method=args.method)
    if args.csv:
        ev.write_csv(args.csv)
    if args.json:
        print(json.dumps(ev.to_json()))
        return 0
    print(f"run {run.id} on {ev.root}: faces found in {ev.n_faces_found} of {len(ev.rows)} photos")
    for s in ev.skipped[:10]:
        print(f"skipped {s}")
    if ev.summary.get("n"):
        print(format_report(ev.summary))
    for r in ev.rows:
        if not r.labelled:
            print(f"  {Path(r.path).name}: {r.predicted} ({r.confidence:.2f})")
    if args.csv:
        print(f"table written to {args.csv}")
    return 0
