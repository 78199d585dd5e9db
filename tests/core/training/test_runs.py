"""Run folders: status, metrics, weights, lookup by id, prefix, path and "latest"."""
from __future__ import annotations

import json

import pytest
import torch

from faceviz_gui.core.errors import RunError
from faceviz_gui.core.paths import runs_dir
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.runs import Run, create_run, find_run, list_runs
from faceviz_gui.core.training.specs import find_spec


@pytest.fixture
def spec():
    return find_spec("experiment0").copy(scale=4)


def test_a_new_run_holds_its_spec_and_status(tmp_path, spec):
    run = create_run(spec, tmp_path, data="synthetic")
    assert run.path.parent == tmp_path and run.id.startswith("experiment0-")
    assert run.spec.to_dict() == spec.to_dict()
    st = run.status
    assert (st["state"], st["epoch"], st["data"]) == ("created", 0, "synthetic")
    run.set_status(state="running", epoch=2)
    assert Run(run.path).state == "running" and Run(run.path).status["epoch"] == 2
    assert json.loads((run.path / "status.json").read_text())["experiment"] == "experiment0"


def test_runs_default_to_faceviz_home(faceviz_home, spec):
    run = create_run(spec)
    assert run.path.parent == runs_dir() == faceviz_home / "runs"


def test_metrics_and_evaluation_round_trip(tmp_path, spec):
    run = create_run(spec, tmp_path)
    rows = [{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.25}]
    run.write_metrics(rows)
    assert run.metrics() == rows
    run.write_evaluation({"accuracy": 0.75, "n": 4})
    assert run.evaluation()["accuracy"] == 0.75
    assert run.summary()["accuracy"] == 0.75


def test_weights_save_load_and_hash(tmp_path, spec):
    run = create_run(spec, tmp_path)
    with pytest.raises(RunError, match="no weights"):
        run.load_model()
    model = build_model(spec, seed=0)
    run.save_weights(model)
    h1 = run.weights_hash
    loaded = run.load_model()
    assert not loaded.training
    x = torch.randn(2, 1, 30, 32)
    # The same weights (bit for bit); the loaded model is channels-last, so oneDNN sums in
    # another order and the outputs agree to rounding only.
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), model.state_dict().values()))
    assert loaded.layers[0].op.weight.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(loaded(x), model.eval()(x), rtol=1e-5, atol=1e-6)
    run.save_weights(build_model(spec, seed=1))
    assert run.weights_hash != h1  # the cache key follows the weights


def test_find_run_by_id_prefix_path_and_latest(tmp_path, spec):
    a = create_run(spec, tmp_path)
    b = create_run(spec.copy(name="other"), tmp_path)
    assert find_run(a.id, tmp_path).path == a.path
    assert find_run(str(b.path)).path == b.path
    assert find_run("oth", tmp_path).path == b.path
    assert find_run("latest", tmp_path).path in (a.path, b.path)
    assert [r.id for r in list_runs(tmp_path, experiment="other")] == [b.id]
    with pytest.raises(RunError, match="no run"):
        find_run("nothing-like-it", tmp_path)


def test_ambiguous_prefix_is_an_error(tmp_path, spec):
    create_run(spec, tmp_path)
    create_run(spec, tmp_path)
    with pytest.raises(RunError, match="ambiguous"):
        find_run("experiment0", tmp_path)


def test_damaged_weights_are_a_clear_error(tmp_path, spec):
    run = create_run(spec, tmp_path)
    run.weights_path.write_bytes(b"not safetensors at all")
    with pytest.raises(RunError, match="cannot read weights"):
        run.load_model()
