"""`faceviz prune RUN` and `faceviz export-model RUN`: smaller networks, and files for devices."""
from __future__ import annotations

import argparse
import json
import signal
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prune", help="remove dead, redundant or weak units; fine-tune; compare")
    p.add_argument("run", help="run id, id prefix, path, or 'latest'")
    p.add_argument("--method", default="redundant", help="dead, redundant (default) or magnitude")
    p.add_argument("--amount", type=float, default=None,
                   help="fraction of the parameters to remove (default 0.4; for dead: a cap)")
    p.add_argument("--finetune-epochs", type=int, default=3, help="epochs of fine-tuning (default 3)")
    p.add_argument("--steps", type=int, default=256, help="HappyMap steps for --method dead")
    p.add_argument("--multiple", type=int, default=8, metavar="N",
                   help="conv layers keep a multiple of N filters, which CPU runtimes run "
                        "faster (default 8; 1: any number)")
    p.add_argument("--device", default="auto", help="auto (default), cpu or cuda")
    p.add_argument("--runs", metavar="DIR", help="runs folder (default: the user data dir)")
    p.add_argument("--no-compare", action="store_true", help="skip the comparison with the parent")
    p.add_argument("--json", action="store_true", help="end with one JSON line")
    p.set_defaults(func=cmd_prune)

    p = sub.add_parser("export-model", help="write a run's network as ONNX or TorchScript, verified")
    p.add_argument("run", help="run id, id prefix, path, or 'latest'")
    p.add_argument("--format", required=True, help="onnx or torchscript")
    p.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    p.add_argument("--runs", metavar="DIR", help="runs folder (default: the user data dir)")
    p.add_argument("--json", action="store_true", help="end with one JSON line")
    p.set_defaults(func=cmd_export)


class _StepReporter:
    """Progress on stderr as a line per phase step ("fine-tuning: epoch 2 of 3"), printed
    only when the text changes and at most every tenth of the job; Ctrl-C sets ``stop``."""

    def __init__(self) -> None:
        self.stop = False
        self._last_text, self._last_fraction = "", -1.0

    def report(self, **v) -> None:
        text, fraction = v.get("message", ""), v.get("fraction")
        phase = text.split(":")[0]
        new_phase = phase != self._last_text.split(":")[0]
        if text and text != self._last_text and (
                new_phase or fraction is None or fraction - self._last_fraction >= 0.1
                or "epoch" in text):
            print(text, file=sys.stderr)
            self._last_text = text
            self._last_fraction = fraction if fraction is not None else self._last_fraction

    def should_stop(self) -> bool:
        return self.stop

    def close(self) -> None:
        pass


def cmd_prune(args: argparse.Namespace) -> int:
    from faceviz_gui.core.prune.plan import check_request
    from faceviz_gui.core.prune.prune_job import prune_run
    from faceviz_gui.core.training.runs import find_run

    amount = args.amount if args.amount is not None or args.method == "dead" else 0.4
    check_request(args.method, amount)
    parent = find_run(args.run, args.runs)
    parent.state_dict()                       # RunError now, before data loading
    reporter = _StepReporter()
    previous = signal.signal(signal.SIGINT, lambda *_: setattr(reporter, "stop", True))
    try:
        result = prune_run(parent, args.method, amount, args.finetune_epochs, reporter,
                           runs_root=args.runs, device=args.device, compare=not args.no_compare,
                           steps=args.steps, multiple=max(1, args.multiple))
    finally:
        signal.signal(signal.SIGINT, previous)
        reporter.close()
    out = result.to_json()
    plan = result.plan
    print(f"parent {parent.id}: {plan.params_before:,} parameters")
    for layer, units in plan.removed.items():
        print(f"  {layer}: {plan.widths_before[layer]} -> {plan.widths_after[layer]} units "
              f"(removed {', '.join(map(str, units))})")
    for note in plan.notes:
        print(f"  note: {note}")
    if result.stopped:
        where = f"; the run {result.run.id} is stopped (resume it with faceviz train --resume)" \
            if result.run else ""
        print(f"stopped{where}")
    else:
        share = plan.params_after / max(1, plan.params_before)
        print(f"pruned run {result.run.id}: {plan.params_after:,} parameters ({share:.0%} of the parent)")
        print(f"test accuracy (the parent's test split): {_pct(result.accuracy_before)} -> "
              f"{_pct(result.accuracy_after)}")
        if result.comparison is not None and not result.comparison.stopped:
            print(f"verdict: {result.comparison.verdict}")
    if args.json:
        print(json.dumps(out))
    return 1 if result.stopped else 0


def cmd_export(args: argparse.Namespace) -> int:
    from faceviz_gui.core.prune.export_model import export_model
    from faceviz_gui.core.training.runs import find_run

    run = find_run(args.run, args.runs)
    result = export_model(run, args.format, args.out)
    print(f"wrote {result['path']} ({result['format']}, {result['bytes']:,} bytes)", file=sys.stderr)
    meta = result["metadata"]
    print(f"input {meta['input_width']}x{meta['input_height']} grey, {meta['pixel_scale']}, "
          f"then {meta['normalisation']}; classes {', '.join(meta['class_names'])}")
    print(f"checked on {result['n_verified']} test images: max |file - torch| = "
          f"{result['max_abs_diff']:.2e}; latency {result['latency_ms']:.3f} ms per image "
          f"({result['latency_runtime']})")
    if args.json:
        print(json.dumps({k: result[k] for k in ("path", "format", "bytes", "max_abs_diff",
                                                  "latency_ms")}))
    return 0


def _pct(v) -> str:
    return "-" if v is None else f"{v:.1%}"
