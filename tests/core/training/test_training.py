"""fit(): a real run on synthetic faces, its files, its reports, reproducibility, failures."""
from __future__ import annotations

import json

import pytest
import torch

from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.tasks import RecordingReporter
from faceviz_gui.core.training.evaluation import evaluate
from faceviz_gui.core.training.fit import fit, resolve_device
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.runs import Run, list_runs
from faceviz_gui.core.training.specs import find_spec


def small(name="experiment0", epochs=2, **train):
    spec = find_spec(name).copy(scale=4)
    spec.train.epochs = epochs
    for k, v in train.items():
        setattr(spec.train, k, v)
    return spec


def weights(run: Run) -> dict[str, torch.Tensor]:
    return run.state_dict()


def test_fit_leaves_a_complete_run(tmp_path, synthetic_small):
    rep = RecordingReporter()
    result = fit(small(epochs=3), synthetic_small, rep, runs_root=tmp_path, device="cpu")
    run = result.run
    assert not result.stopped and result.state == "done"
    names = {p.name for p in run.path.iterdir()}
    assert {"spec.toml", "status.json", "split.json", "weights.safetensors",
            "checkpoint.safetensors", "metrics.jsonl", "eval.json"} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    st = run.status
    assert (st["state"], st["epoch"], st["epochs"], st["data"]) == ("done", 3, 3, "synthetic")
    assert [m["epoch"] for m in run.metrics()] == [1, 2, 3] == [h["epoch"] for h in result.history]
    for row in run.metrics():
        assert {"loss", "acc", "val_loss", "val_acc", "seconds"} <= set(row)
    assert run.metrics()[-1]["loss"] < run.metrics()[0]["loss"]
    # split.json names disjoint images; the test split is what eval.json scored
    split = run.split
    assert set(split) == {"train", "val", "test"}
    assert not set(split["train"]) & set(split["test"])
    assert len(split["train"]) + len(split["val"]) + len(split["test"]) == len(synthetic_small)
    ev = run.evaluation()
    assert ev["n"] == len(split["test"]) and ev["paths"] == split["test"]
    assert set(ev["per_person"]) == set(synthetic_small.people)


def test_reports_batches_epochs_and_a_usable_state_dict(tmp_path, synthetic_small):
    rep = RecordingReporter()
    result = fit(small(epochs=2), synthetic_small, rep, runs_root=tmp_path, device="cpu")
    batches, epochs = rep.of_kind("batch"), rep.of_kind("epoch")
    assert batches and len(epochs) == 2
    assert {"epoch", "epochs", "batch", "batches", "step", "steps", "loss", "acc",
            "images_per_s", "eta_s"} <= set(batches[0])
    for r in batches:  # epochs of equal length: step counts through the run
        assert r["step"] == (r["epoch"] - 1) * r["batches"] + r["batch"]
        assert r["steps"] == r["epochs"] * r["batches"]
    assert {"epoch", "epochs", "loss", "acc", "val_loss", "val_acc", "seconds"} <= set(epochs[0])
    # the published copy builds an independent model equal to the saved weights
    model = build_model(result.run.spec)
    model.load_state_dict(epochs[-1]["state_dict"])
    saved = result.run.load_model()
    x = torch.randn(4, 1, 30, 32)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), saved.state_dict().values()))
    # saved is channels-last (Run.load_model): another summation order, same to rounding
    torch.testing.assert_close(model.eval()(x), saved(x), rtol=1e-5, atol=1e-6)
    assert all(v.device.type == "cpu" for v in epochs[-1]["state_dict"].values())


def test_same_seed_same_weights_other_seed_other_weights(tmp_path, synthetic_small):
    spec = small(epochs=1)
    aug = spec.copy()
    aug.augment.flip, aug.augment.shift, aug.augment.brightness = True, 0.05, 0.1
    runs = [fit(s, synthetic_small, runs_root=tmp_path, device="cpu").run
            for s in (aug, aug, small(epochs=1, seed=7))]
    a, b, c = (weights(r) for r in runs)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


@pytest.mark.parametrize("name", ["experiment0", "ex1-1", "ex1-2", "ex1-3", "ex1-4", "ex1-5",
                                  "ex1-6"])
def test_every_blog_experiment_trains(tmp_path, synthetic_small, name):
    spec = small(name, epochs=1)
    result = fit(spec, synthetic_small, runs_root=tmp_path, device="cpu")
    assert result.run.state == "done"
    ev = result.evaluation
    assert len(ev["classes"]) == len(spec.classes) and 0 <= ev["accuracy"] <= 1
    assert torch.isfinite(torch.tensor(result.history[0]["loss"]))


def test_linear_mse_model_learns(tmp_path, synthetic_small):
    result = fit(small("ex1-6", epochs=3), synthetic_small, runs_root=tmp_path, device="cpu")
    losses = [h["loss"] for h in result.history]
    assert losses[-1] < losses[0] and losses[0] < 1.0  # MSE on one-hot targets, not CE
    model = result.run.load_model()
    ev = evaluate(model, synthetic_small, "left")
    assert ev["accuracy"] > 0.6


def test_a_failure_marks_the_run_failed_and_is_raised(tmp_path, synthetic_small):
    class Exploding(RecordingReporter):
        def report(self, **values):
            if values.get("kind") == "epoch":
                raise RuntimeError("disk on fire")
            super().report(**values)

    with pytest.raises(RuntimeError, match="disk on fire"):
        fit(small(epochs=2), synthetic_small, Exploding(), runs_root=tmp_path, device="cpu")
    [run] = list_runs(tmp_path)
    assert run.state == "failed" and run.status["error"] == "disk on fire"
    assert json.loads((run.path / "status.json").read_text())["state"] == "failed"


def test_bad_device_and_wrong_size_data_are_user_errors(tmp_path, synthetic_small):
    with pytest.raises(FaceVizError, match="device"):
        resolve_device("tpu")
    assert resolve_device("cpu").type == "cpu"
    with pytest.raises(FaceVizError, match="32x30"):
        fit(find_spec("experiment0"), synthetic_small, runs_root=tmp_path, device="cpu")
    assert list_runs(tmp_path) == []  # nothing half-made left behind
