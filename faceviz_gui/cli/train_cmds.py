"""`faceviz list | show | train | runs | eval`: experiments, training and scoring, headless."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from faceviz_gui.cli import bounded_int
from faceviz_gui.core.errors import FaceVizError, shown
from faceviz_gui.core.training.spec_limits import MAX_SEED, TRAIN_LIMITS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="the experiments, with parameter counts, task and scale")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="an experiment's layer table")
    p.add_argument("experiment", help="experiment name or spec file (.toml)")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("train", help="train an experiment (or --resume a run)")
    p.add_argument("experiment", nargs="?", help="experiment name or spec file (.toml)")
    p.add_argument("--resume", metavar="RUN", help="continue a stopped or killed run")
    p.add_argument("--data", metavar="DIR", help="CMU-format folder, or 'synthetic'")
    p.add_argument("--epochs", type=bounded_int(1, TRAIN_LIMITS["epochs"]),
                   help="override the spec's epoch count")
    p.add_argument("--seed", type=bounded_int(0, MAX_SEED), help="override the spec's seed")
    p.add_argument("--device", default="auto", help="auto (default), cpu or cuda")
    p.add_argument("--runs", metavar="DIR", help="runs folder (default: the user data dir)")
    p.add_argument("--threads", type=bounded_int(1, 1024), metavar="N",
                   help="CPU threads for torch (default: torch's choice)")
    p.add_argument("--json", action="store_true",
                   help="end with one JSON line: run_id, path, state, accuracy")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("runs", help="the runs, with state and scores")
    p.add_argument("--runs", metavar="DIR", help="runs folder (default: the user data dir)")
    p.add_argument("--experiment", help="only this experiment's runs")
    p.add_argument("--json", action="store_true", help="one JSON list")
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("eval", help="score a run: accuracy, per person, confusion matrix")
    p.add_argument("run", help="run id, id prefix, path, or 'latest'")
    p.add_argument("--data", metavar="DIR",
                   help="CMU-format folder or labelled photo folder (default: the run's test split)")
    p.add_argument("--people", nargs="+", metavar="P", help="only these people")
    p.add_argument("--runs", metavar="DIR", help="runs folder (default: the user data dir)")
    p.add_argument("--crop-faces", action="store_true",
                   help="find and crop faces in the photos first (photo folders)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_eval)


# ----------------------------------------------------------------------------- list, show


def cmd_list(args: argparse.Namespace) -> int:
    from faceviz_gui.core.training.nets import build_model
    from faceviz_gui.core.training.specs import find_spec, list_specs
    rows = []
    for name, path in list_specs().items():
        try:
            spec = find_spec(str(path))
            model = build_model(spec)
            rows.append((name, f"{model.param_count():,}", spec.task,
                         f"{spec.input_size[1]}x{spec.input_size[0]}", model.decision_layer,
                         spec.description))
        except FaceVizError as exc:
            rows.append((name, "-", "-", "-", "-", f"INVALID: {exc}"))
    _table(("experiment", "params", "task", "input", "decision", "description"), rows)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from faceviz_gui.core.training.nets import build_model
    from faceviz_gui.core.training.specs import find_spec
    spec = find_spec(args.experiment)
    model = build_model(spec)
    print(f"{spec.name}: {spec.description}")
    learned = (f", learned from {spec.learned_task} ({', '.join(spec.unit_classes)})"
               if spec.learned_task != spec.task else "")
    print(f"task {spec.task} ({', '.join(spec.classes)}){learned}, input {spec.input_size[1]}x"
          f"{spec.input_size[0]}, output {spec.output_activation}, loss {spec.loss}")
    rows = [(i.name, i.kind, "x".join(map(str, i.output_shape)), f"{i.params:,}", i.activation)
            for i in model.layer_info()]
    _table(("layer", "type", "output shape", "params", "activation"), rows)
    print(f"total parameters: {model.param_count():,}  (decision layer {model.decision_layer})")
    return 0


def _table(header: tuple[str, ...], rows: list[tuple]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for row in (header, *rows):
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())


# ----------------------------------------------------------------------------------- train


class _BarReporter:
    """A core Reporter driving a tqdm bar; Ctrl-C asks the job to stop cleanly."""

    def __init__(self) -> None:
        self.bar = None  # made at the first batch, so data loading does not skew its rate
        self.stop = False
        self.batches = 0
        self.epoch_end = 0  # the run's step count at the end of the current epoch

    def _write(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr)

    def report(self, **v) -> None:
        kind = v.get("kind")
        if kind == "batch":
            self.batches = v["batches"]
            self.epoch_end = v["step"] - v["batch"] + v["batches"]
            done = v["step"]
            if self.bar is None:
                from tqdm import tqdm
                self.bar = tqdm(total=v["steps"], initial=done - 1,
                                unit="batch", file=sys.stderr, dynamic_ncols=True)
            self.bar.set_description(f"epoch {v['epoch']}/{v['epochs']}", refresh=False)
            self.bar.set_postfix(loss=f"{v['loss']:.3f}", acc=f"{v['acc']:.3f}", refresh=False)
            self.bar.update(done - self.bar.n)
        elif kind == "epoch":
            if self.bar is not None:  # batch reports are throttled: catch up to the epoch end
                self.bar.update(self.epoch_end - self.bar.n)
            val = f", val_acc {v['val_acc']:.3f}" if v.get("val_acc") is not None else ""
            self._write(f"epoch {v['epoch']}/{v['epochs']}: loss {v['loss']:.4f}, "
                        f"acc {v['acc']:.3f}{val} ({v['seconds']:.1f}s)")
        elif kind in ("stage", "progress") and v.get("message"):
            self._write(v["message"])

    def should_stop(self) -> bool:
        return self.stop

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def set_threads(n: int | None) -> None:
    """Before torch loads: idle OpenMP threads sleep instead of spinning. On a shared or
    oversubscribed CPU, spinning made a 2-thread training 3x slower in wall time than
    1 thread (measured while other jobs ran); on an idle machine sleeping costs nothing
    visible. Has no effect once torch is loaded (in-process callers keep their settings)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if n is not None:
        if n < 1:
            raise FaceVizError("--threads must be at least 1")
        import torch
        torch.set_num_threads(n)


def cmd_train(args: argparse.Namespace) -> int:
    set_threads(args.threads)
    from faceviz_gui.core.training import fit as training
    if bool(args.experiment) == bool(args.resume):
        raise FaceVizError("give an EXPERIMENT to train, or --resume RUN (not both)")
    if args.epochs is not None and args.epochs < 1:
        raise FaceVizError("--epochs must be at least 1")
    reporter = _BarReporter()

    def on_sigint(signum, frame):
        if reporter.stop:  # a second Ctrl-C: give up at once
            raise KeyboardInterrupt
        reporter.stop = True
        reporter._write("stopping after this batch (Ctrl-C again to abort)...")

    previous = signal.signal(signal.SIGINT, on_sigint)
    # SIGTERM (`kill`, a shutdown) stops the same way: the run keeps a checkpoint and shows
    # as stopped, not as a "running" run whose process is gone
    previous_term = signal.signal(signal.SIGTERM, on_sigint)
    try:
        if args.resume:
            if args.epochs is not None or args.seed is not None:
                raise FaceVizError("--epochs and --seed cannot change a run being resumed")
            # --data is loaded by resume once it holds the run's lock (a second resume of
            # the same run is refused before any loading)
            result = training.resume(args.resume, args.data or None, reporter, args.device,
                                     args.runs)
        else:
            result = training.train_experiment(args.experiment, args.data, reporter, args.runs,
                                               args.device, args.epochs, args.seed)
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)
        reporter.close()
    run = result.run
    acc = result.evaluation["accuracy"] if result.evaluation else None
    if result.stopped:
        print(f"stopped at epoch {len(result.history)}; continue with: "
              f"faceviz train --resume {run.id}" + (f" --runs {args.runs}" if args.runs else ""))
    elif acc is not None:
        print(f"test accuracy {acc:.3f} on {result.evaluation['n']} images")
    print(f"run {run.id}")
    print(f"path {run.path}")
    if args.json:
        print(json.dumps({"run_id": run.id, "path": str(run.path), "state": result.state,
                          "epochs": len(result.history), "accuracy": acc}))
    return 0


# ------------------------------------------------------------------------------ runs, eval


def cmd_runs(args: argparse.Namespace) -> int:
    from faceviz_gui.core.paths import runs_dir
    from faceviz_gui.core.training.runs import list_runs
    rows = [r.summary() for r in list_runs(args.runs, args.experiment)]
    if args.json:
        print(json.dumps(rows))
        return 0
    if not rows:
        print(f"no runs in {runs_dir(args.runs)}")
        return 0
    _table(("run", "experiment", "state", "epochs", "test acc"),
           [(r["run_id"], r["experiment"], r["state"], f"{r['epoch']}/{r['epochs']}",
             "-" if r["accuracy"] is None else f"{r['accuracy']:.3f}") for r in rows])
    for r in rows:  # a damaged run is listed, never fatal: say what is wrong with it
        if r.get("damage"):
            print(f"{r['run_id']}: damaged: {r['damage']}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from faceviz_gui.core.training.evaluation import evaluate, format_report, run_test_set
    from faceviz_gui.core.training.runs import find_run
    run = find_run(args.run, args.runs)
    spec = run.spec
    if args.crop_faces:
        if not args.data:
            raise FaceVizError("--crop-faces needs --data FOLDER (photos to crop)")
        try:
            from faceviz_gui.core.live.faces import load_cropped_folder
        except ImportError:
            raise FaceVizError("--crop-faces is not available in this build "
                               "(faceviz_gui.core.live.faces is missing)") from None
        data = load_cropped_folder(args.data, spec.input_size)
    elif args.data:
        from faceviz_gui.core.data.sources import load_images
        if not Path(args.data).is_dir():
            raise FaceVizError(f"--data {args.data}: not a folder")
        data = load_images(args.data, spec.scale)
    else:
        data = run_test_set(run)
    if args.people:
        missing = sorted(set(args.people) - set(data.people))
        if missing:
            raise FaceVizError(f"no images of {', '.join(missing)} "
                               f"(people there: {', '.join(data.people)})")
        data = data.subset([i for i, r in enumerate(data.records) if r.person in args.people])
    result = evaluate(run.load_model("cpu"), data, spec.task)
    result["run_id"] = run.id
    result["data"] = args.data or f"{run.status.get('data', '')} (test split)"
    result["skipped"] = [shown(s) for s in getattr(data, "skipped", [])]
    if args.json:
        print(json.dumps(result))
    else:
        print(f"run {run.id} on {result['data']}")
        for s in result["skipped"][:10]:
            print(f"skipped {s}")
        print(format_report(result))
    return 0
