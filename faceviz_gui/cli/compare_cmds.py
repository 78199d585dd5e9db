"""`faceviz compare RUN_A RUN_B`: did two networks learn the same thing? CKA, units, verdict."""
from __future__ import annotations

import argparse
import json
import sys

from faceviz_gui.cli import bounded_int


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="compare two runs: CKA matrix, unit matching, verdict")
    p.add_argument("run_a", metavar="RUN_A", help="run id, id prefix, path, or 'latest'")
    p.add_argument("run_b", metavar="RUN_B", help="the run to compare it with")
    p.add_argument("--data", metavar="DIR",
                   help="probe images: CMU-format or photo folder, or 'synthetic' "
                        "(default: RUN_A's test split)")
    p.add_argument("--out", metavar="DIR", help="write cka.png, comparison.json (and maps)")
    p.add_argument("--maps", action="store_true",
                   help="with --out: render HappyMaps of matched layers and show pairs side by side")
    p.add_argument("--steps", type=bounded_int(1, 100_000), default=256,
                   help="HappyMap steps for --maps")
    p.add_argument("--runs", metavar="DIR", help="runs folder (default: the user data dir)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    from faceviz_gui.core.compare.comparison import compare_runs
    from faceviz_gui.core.errors import FaceVizError
    from faceviz_gui.core.training.runs import find_run

    if args.maps and not args.out:
        raise FaceVizError("--maps needs --out DIR (the side-by-side maps are PNG files)")
    run_a, run_b = find_run(args.run_a, args.runs), find_run(args.run_b, args.runs)
    for run in (run_a, run_b):
        run.state_dict()            # RunError now, before any probe data is loaded
    if args.out:
        from faceviz_gui.core import atomic
        atomic.check_writable(args.out)  # one line before the work, not after it
    probe = None
    if args.data:
        from faceviz_gui.core.data.sources import load_source
        probe = load_source(args.data, run_a.spec.scale)
    cmp = compare_runs(run_a, run_b, probe)
    written = []
    if args.out:
        from faceviz_gui.core.export.writers import export_comparison
        maps_a = maps_b = None
        if args.maps:
            maps_a, maps_b = _render_matched(cmp, run_a, run_b, args.steps)
        written = export_comparison(cmp, args.out, maps_a, maps_b)
    if args.json:
        print(json.dumps({**cmp.to_json(), "files": [str(p) for p in written]}))
        return 0
    print(report(cmp))
    for p in written:
        print(f"wrote {p}")
    return 0


def report(cmp) -> str:
    """The comparison as text: the CKA table, best partners, agreement, verdict."""
    lines = [f"A: {cmp.experiment_a} ({cmp.run_a})", f"B: {cmp.experiment_b} ({cmp.run_b})",
             f"probe: {cmp.n_probe} images from {cmp.probe_source}"]
    lines += [f"note: {n}" for n in cmp.notes]
    lines += ["", "linear CKA (rows A, columns B):"]
    wa = max(len(n) for n in cmp.layers_a) + 2
    wb = max(max(len(n) for n in cmp.layers_b) + 1, 6)
    lines.append(" " * wa + "".join(f"{n:>{wb}}" for n in cmp.layers_b))
    for name, row in zip(cmp.layers_a, cmp.cka):
        lines.append(f"{name:<{wa}}" + "".join(f"{v:>{wb}.2f}" for v in row))
    lines += ["", "most similar layer of B (like for like) and units matched one-to-one:"]
    for la in cmp.layers_a:
        lb, c = cmp.best_partner(la)
        m = cmp.matches.get((la, lb))
        units = ""
        if m:
            live = cmp.features_a[la].shape[1] - len(m.silent_a)
            units = f"{len(m.good_pairs)}/{live} live units matched at r >= {m.threshold}"
            units += f" (mean r {m.mean_correlation:.2f})" if m.pairs else ""
            units += f", {len(m.silent_a)} silent" if m.silent_a else ""
        lines.append(f"  {la:<{wa}} -> {lb:<{wb}} CKA {c:.2f}  {units}")
    lines.append("")
    if cmp.agreement is None:
        lines.append(f"decision agreement: not defined ({cmp.agreement_note})")
    else:
        lines.append(f"decision agreement: {cmp.agreement:.1%} ({cmp.agreement_note})")
    if cmp.accuracy_a is not None or cmp.accuracy_b is not None:
        fmt = lambda v: "-" if v is None else f"{v:.1%}"
        lines.append(f"accuracy on the probe: A {fmt(cmp.accuracy_a)}, B {fmt(cmp.accuracy_b)}")
    lines += ["", f"verdict: {cmp.verdict}"]
    return "\n".join(lines)


def _render_matched(cmp, run_a, run_b, steps: int):
    from faceviz_gui.core.maps.happymaps import render_layer
    layers_a = sorted({la for la, _ in cmp.matches})
    layers_b = sorted({lb for _, lb in cmp.matches})
    print(f"rendering HappyMaps of {len(layers_a)} + {len(layers_b)} layers ({steps} steps)...",
          file=sys.stderr)
    return ([render_layer(run_a, l, steps=steps) for l in layers_a],
            [render_layer(run_b, l, steps=steps) for l in layers_b])
