"""prune_run: a new, smaller run with lineage, fine-tuned, scored and compared; stop; dead."""
from __future__ import annotations

import json

import pytest

from faceviz_gui.core.prune.prune_job import PLAN_FILE, lineage, plan_prune, prune_run
from faceviz_gui.core.tasks import RecordingReporter
from faceviz_gui.core.training.runs import Run, list_runs


def test_prune_makes_a_smaller_child_run(folder_run, tmp_path):
    rec = RecordingReporter()
    result = prune_run(folder_run, "redundant", 0.4, 1, rec, runs_root=tmp_path)
    child = result.run
    assert not result.stopped and child.state == "done"
    assert child.path.parent == tmp_path
    model = child.load_model()                        # the spec is the smaller architecture
    assert model.param_count() == result.plan.params_after <= 0.6 * result.plan.params_before
    assert child.split == folder_run.split            # same train, val and test images
    assert child.status["parent"] == folder_run.id and child.status["experiment"] == "experiment0"
    info = lineage(child)
    assert info["method"] == "redundant" and info["removed"] == result.plan.removed
    assert info["comparison"]["verdict"] == result.comparison.verdict
    assert lineage(folder_run) == {}                  # an ordinary run has no lineage
    assert result.accuracy_after == child.evaluation()["accuracy"]
    assert result.comparison.run_a == folder_run.id and result.comparison.run_b == child.id
    assert 0 <= result.comparison.decision_cka <= 1
    plan = json.loads((child.path / PLAN_FILE).read_text())
    assert all(r["reason"] for r in plan["removals"])
    fractions = [r["fraction"] for r in rec.of_kind("progress")]
    assert fractions and fractions == sorted(fractions)
    for run in (folder_run, child):     # both timed under ONNX Runtime for the browser
        assert run.status["deployment"]["latency_ms"] > 0
        assert run.status["deployment"]["max_abs_diff"] < 1e-4
    out = result.to_json()
    assert set(out) >= {"run_id", "path", "params_before", "params_after", "accuracy_before",
                        "accuracy_after", "removed"}


def test_no_finetune_keeps_the_cut_weights(folder_run, tmp_path):
    result = prune_run(folder_run, "magnitude", 0.3, 0, runs_root=tmp_path, compare=False)
    assert result.run.state == "done" and result.comparison is None
    assert result.accuracy_after is not None


def test_a_pruned_run_prunes_again(folder_run, tmp_path):
    child = prune_run(folder_run, "magnitude", 0.3, 0, runs_root=tmp_path, compare=False,
                      measure=False).run
    grandchild = prune_run(child, "magnitude", 0.3, 0, runs_root=tmp_path, compare=False,
                           measure=False).run
    assert grandchild.status["parent"] == child.id
    assert grandchild.load_model().param_count() < child.load_model().param_count()


def test_stop_during_finetune_leaves_a_resumable_run(folder_run, tmp_path):
    rec = RecordingReporter(stop_after=("progress", 1))
    result = prune_run(folder_run, "redundant", 0.4, 2, rec, runs_root=tmp_path)
    assert result.stopped
    assert result.run is None or result.run.state == "stopped"
    if result.run is not None:
        assert (result.run.path / "checkpoint.safetensors").exists()


def test_dead_method_uses_happymap_flags(folder_run, tmp_path):
    plan, prepared = plan_prune(folder_run, "dead", None, steps=4)
    assert set(prepared.dead) == {"conv2d_1", "conv2d_2", "conv2d_3", "dense_1", "dense_2"}
    flagged = {(l, u) for l, units in prepared.dead.items() for u in units}
    silent = {(l, int(u)) for l in prepared.activity.features for u in prepared.activity.silent(l)}
    assert {(r.layer, r.unit) for r in plan.removals} <= flagged | silent


def test_stop_while_rendering_maps(folder_run):
    rec = RecordingReporter()
    rec.stop.set()
    plan, _ = plan_prune(folder_run, "dead", None, rec, steps=4)
    assert plan is None


def test_old_runs_without_lineage_still_list(folder_run):
    assert any(r.id == folder_run.id for r in list_runs(folder_run.path.parent))
    assert Run(folder_run.path).status.get("parent") is None


def test_nothing_to_prune_is_a_clear_error(folder_run, tmp_path):
    from faceviz_gui.core.errors import RunError
    from faceviz_gui.core.prune.plan import PrunePlan
    empty = PrunePlan("dead", None, [], 1, 1, {})
    with pytest.raises(RunError, match="nothing to prune"):
        prune_run(folder_run, "dead", None, plan=empty, runs_root=tmp_path)
