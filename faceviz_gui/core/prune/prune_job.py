"""Prune a run: plan, cut, fine-tune, evaluate on the parent's own test split, compare.

``plan_prune`` answers "which units would go, and why" (the app's preview); ``prune_run``
carries a plan out and leaves a new run whose spec is the smaller architecture, trained a few
epochs more on the parent's own training images (same split.json), scored on the parent's
test split, and compared with its parent (CKA, decision agreement, matched units). Its
status records the lineage: ``parent`` (the parent's run id) and ``pruning`` (method,
amount, the removed units), so old runs without them load as before. The fine-tune is an
ordinary training run: stopping it leaves a stopped run that `faceviz train --resume` ends.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from faceviz_gui.core import atomic
from faceviz_gui.core.data.faceset import FaceSet
from faceviz_gui.core.errors import RunError
from faceviz_gui.core.prune import activity as activity_mod
from faceviz_gui.core.prune.phases import PhaseReporter
from faceviz_gui.core.prune.plan import CONV_MULTIPLE, PrunePlan, check_request, make_plan
from faceviz_gui.core.prune.surgery import prunable_layers, shrink
from faceviz_gui.core.tasks import NullReporter, Reporter
from faceviz_gui.core.training.runs import Run, create_run

PLAN_FILE = "prune.json"
MAP_STEPS = 256          # the gallery's default: dead flags come from (and fill) its cache
# Fine-tuning runs at a tenth of the parent's learning rate (the usual choice after pruning):
# the kept weights are already good, the job is to adjust them, not to relearn from them.
FINETUNE_LR = 0.1


@dataclass
class Prepared:
    """The parent's model, data and split, loaded once for planning and pruning."""
    parent: Run
    data: FaceSet
    split: dict[str, np.ndarray]
    activity: activity_mod.Activity
    dead: dict[str, dict[int, str]] = field(default_factory=dict)


@dataclass
class PruneResult:
    parent: Run
    plan: PrunePlan
    run: Run | None = None
    accuracy_before: float | None = None
    accuracy_after: float | None = None
    comparison: Any = None          # compare.comparison.Comparison
    stopped: bool = False

    def to_json(self) -> dict[str, Any]:
        cmp = self.comparison
        out = {"run_id": self.run.id if self.run else None,
               "path": str(self.run.path) if self.run else None,
               "parent": self.parent.id, "method": self.plan.method, "amount": self.plan.amount,
               "params_before": self.plan.params_before, "params_after": self.plan.params_after,
               "accuracy_before": self.accuracy_before, "accuracy_after": self.accuracy_after,
               "accuracy_on": "the parent's own test split", "stopped": self.stopped,
               "removed": self.plan.removed}
        if cmp is not None and not cmp.stopped:
            out.update(verdict=cmp.verdict, decision_cka=round(cmp.decision_cka, 4),
                       agreement=cmp.agreement)
        return out


def prepare(parent: Run, data: FaceSet | None = None, reporter: Reporter | None = None) -> Prepared:
    reporter = reporter or NullReporter()
    model = parent.load_model("cpu")                  # RunError now if it has no weights
    split_paths = parent.split
    if not split_paths.get("train") or not split_paths.get("test"):
        raise RunError(f"run {parent.id} has no split.json with train and test images")
    if data is None:
        source = parent.status.get("data", "")
        if not source:
            raise RunError(f"run {parent.id} does not record its data source")
        reporter.report(kind="stage", message=f"loading {source}")
        from faceviz_gui.core.data.sources import load_source
        data = load_source(source, parent.spec.scale)
    from faceviz_gui.core.training.synthetic_mix import with_synthetic
    data = with_synthetic(data, parent.spec)  # [data] synthetic people: in its training split
    split = {part: _indices(data, paths, part) for part, paths in split_paths.items()}
    reporter.report(kind="stage", message="measuring the units on the training images")
    act = activity_mod.measure(model, data.images[split["train"]])
    return Prepared(parent, data, split, act)


def plan_prune(parent: Run, method: str = "redundant", amount: float | None = 0.4,
               reporter: Reporter | None = None, prepared: Prepared | None = None,
               data: FaceSet | None = None, steps: int = MAP_STEPS,
               multiple: int = CONV_MULTIPLE) -> tuple[PrunePlan | None, Prepared]:
    """The plan (None if stopped while rendering HappyMaps) and what it was made from."""
    reporter = reporter or NullReporter()
    check_request(method, amount)
    prepared = prepared or prepare(parent, data, reporter)
    model = parent.load_model("cpu")
    if method == "dead" and not prepared.dead:
        layers = prunable_layers(model)
        from faceviz_gui.core.maps.happymaps import render_layer
        for i, layer in enumerate(layers):
            if reporter.should_stop():
                return None, prepared
            sub = PhaseReporter(reporter, f"HappyMaps of {layer}", i / len(layers), 1 / len(layers))
            maps = render_layer(parent, layer, steps=steps, reporter=sub)
            if not maps.settings.get("complete", True):
                return None, prepared
            prepared.dead[layer] = {m.index: m.dead_reason for m in maps.maps if m.dead}
    return make_plan(model, method, amount, prepared.activity, prepared.dead, multiple), prepared


def prune_run(parent: Run, method: str = "redundant", amount: float | None = 0.4,
              finetune_epochs: int = 3, reporter: Reporter | None = None,
              runs_root: str | Path | None = None, data: FaceSet | None = None,
              plan: PrunePlan | None = None, prepared: Prepared | None = None,
              device: str = "auto", compare: bool = True, steps: int = MAP_STEPS,
              measure: bool = True, multiple: int = CONV_MULTIPLE) -> PruneResult:
    """Carry out ``plan`` (made here if None) and return the new run with its scores."""
    from faceviz_gui.core.training.checkpoint import Progress
    from faceviz_gui.core.training.evaluation import evaluate
    from faceviz_gui.core.training.fit import resolve_device
    from faceviz_gui.core.training.loop import train_loop

    reporter = reporter or NullReporter()
    if finetune_epochs < 0:
        raise RunError("--finetune-epochs must be 0 or more")
    if plan is None:
        check_request(method, amount)
    dev = resolve_device(device)
    prepared = prepared or prepare(parent, data, reporter)
    if plan is None:
        plan, prepared = plan_prune(parent, method, amount, reporter, prepared, steps=steps,
                                    multiple=multiple)
        if plan is None:
            return PruneResult(parent, PrunePlan(method, amount, [], 0, 0, {}), stopped=True)
    result = PruneResult(parent, plan)
    if not plan.removals:
        raise RunError(f"nothing to prune in run {parent.id} by method {plan.method}"
                       + (": no unit is dead or silent" if plan.method == "dead" else ""))
    if reporter.should_stop():
        result.stopped = True
        return result
    data, split = prepared.data, prepared.split
    model = parent.load_model("cpu")
    test = data.subset(split["test"])
    result.accuracy_before = (parent.evaluation() or {}).get("accuracy")
    if result.accuracy_before is None:
        result.accuracy_before = evaluate(model, test, parent.spec.task)["accuracy"]
    spec, small = shrink(model, parent.spec, plan.removed, prepared.activity.means)
    spec.description = (f"{parent.spec.name} pruned by {plan.method} from run {parent.id}: "
                        f"{plan.params_after:,} of {plan.params_before:,} parameters")
    spec.train.epochs = max(1, finetune_epochs)
    spec.train.learning_rate *= FINETUNE_LR
    spec.transfer = type(spec.transfer)()      # the weights come from the parent, cut
    run = create_run(spec, runs_root, data=parent.status.get("data", data.source),
                     device=str(dev), task=spec.task, parent=parent.id,
                     pruning={**{k: v for k, v in plan.to_json().items() if k != "removals"},
                              "finetune_epochs": finetune_epochs,
                              "accuracy_before": result.accuracy_before},
                     n_images={k: int(len(v)) for k, v in split.items()})
    result.run = run
    atomic.write_json(run.path / "split.json",
                      {k: [data.records[i].path for i in v] for k, v in split.items()})
    atomic.write_json(run.path / PLAN_FILE, plan.to_json())
    if finetune_epochs == 0:
        run.save_weights(small)
        ev = evaluate(small, test, spec.task)
        run.write_evaluation(ev)
        run.set_status(state="done", epoch=0, epochs=0, accuracy=ev["accuracy"])
    else:
        sub = PhaseReporter(reporter, "fine-tuning", 0.0, 0.85)
        try:
            _, stopped, ev = train_loop(run, spec, data, split, small, Progress(), None, sub, dev)
        except BaseException as exc:
            run.set_status(state="failed", error=str(exc) or type(exc).__name__)
            raise
        if stopped:
            result.stopped = True
            return result
    result.accuracy_after = ev["accuracy"]
    if compare:
        from faceviz_gui.core.compare.comparison import compare_runs
        sub = PhaseReporter(reporter, "comparing with the parent", 0.85, 0.13)
        cmp = compare_runs(parent, run, test, sub)
        result.comparison = cmp
        if cmp.stopped:
            result.stopped = True
        else:
            run.set_status(comparison={"verdict": cmp.verdict, "decision_cka": cmp.decision_cka,
                                       "agreement": cmp.agreement, "n_probe": cmp.n_probe,
                                       "at": time.strftime("%Y-%m-%dT%H:%M:%S")})
    if not result.stopped and measure:
        from faceviz_gui.core.prune.export_model import measure_onnx
        reporter.report(kind="progress", fraction=0.99, message="timing both under ONNX Runtime")
        for r in (parent, run):
            if not (r.status.get("deployment") or {}).get("latency_ms"):
                measure_onnx(r, data)
    reporter.report(kind="progress", message="done", fraction=1.0)
    return result


def _indices(data: FaceSet, paths: list[str], part: str) -> np.ndarray:
    from faceviz_gui.core.training.evaluation import select_by_paths
    select_by_paths(data, paths, part)            # a clear DataError if images went missing
    index = {r.path: i for i, r in enumerate(data.records)}
    names = {Path(r.path).name: i for i, r in enumerate(data.records)}
    return np.array([index.get(p, names.get(Path(p).name)) for p in paths], dtype=np.int64)


def lineage(run: Run) -> dict[str, Any]:
    """What the run was pruned from ({} for an ordinary run)."""
    st = run.status
    if not st.get("parent"):
        return {}
    return {"parent": st["parent"], **(st.get("pruning") or {}),
            "comparison": st.get("comparison") or {}}
