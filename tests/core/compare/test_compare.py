"""Comparing two runs: CKA matrix, unit matching, decision agreement, verdict."""
from __future__ import annotations

import json

import numpy as np
import pytest

from faceviz_gui.core.compare.comparison import compare_runs
from faceviz_gui.core.errors import RunError
from faceviz_gui.core.tasks import RecordingReporter
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.runs import create_run
from faceviz_gui.core.training.specs import find_spec


def _saved_run(name, root, scale=4, seed=1, **changes):
    """A run with freshly initialised weights: enough to exercise the comparison."""
    spec = find_spec(name).copy(scale=scale, **changes)
    run = create_run(spec, root)
    run.save_weights(build_model(spec, seed=seed))
    return run


@pytest.fixture(scope="module")
def probe(synthetic_small):
    return synthetic_small.subset(np.arange(0, len(synthetic_small), 3))


def test_a_run_against_itself_is_identical(trained_run, probe):
    cmp = compare_runs(trained_run, trained_run, probe)
    assert cmp.layers_a == cmp.layers_b == ["conv2d_1", "conv2d_2", "conv2d_3",
                                            "dense_1", "dense_2", "dense_3"]
    np.testing.assert_allclose(np.diag(cmp.cka), 1.0, atol=1e-6)
    assert np.all((cmp.cka >= 0) & (cmp.cka <= 1))
    assert cmp.agreement == 1.0
    assert "CKA 1.00, 100% agreement" in cmp.verdict
    assert "learned about the same thing" in cmp.verdict
    # Every live unit is its own partner at correlation 1; silent ones are set apart.
    for layer in ("conv2d_3", "dense_2"):
        m = cmp.matches[(layer, layer)]
        f = cmp.features_a[layer].reshape(cmp.n_probe, cmp.features_a[layer].shape[1], -1)
        live = f.std(axis=(0, 2)) > 1e-12
        assert [(i, j) for i, j, _ in m.pairs] == [(i, i) for i in np.flatnonzero(live)]
        assert all(c == pytest.approx(1.0) for *_, c in m.pairs)
        assert m.unmatched_a == m.unmatched_b == []
        assert m.silent_a == m.silent_b == np.flatnonzero(~live).tolist()
    assert cmp.accuracy_a == cmp.accuracy_b is not None
    data = json.loads(json.dumps(cmp.to_json()))
    assert data["decision_cka"] == pytest.approx(1.0) and data["agreement"] == 1.0


def test_default_probe_is_run_a_test_split(trained_run):
    cmp = compare_runs(trained_run, trained_run)
    assert cmp.n_probe == len(trained_run.split["test"])


def test_across_architectures(trained_run, probe, tmp_path):
    half = _saved_run("ex1-1", tmp_path)        # 16, 16, 32 filters
    deep = _saved_run("ex1-2", tmp_path)        # decision layer dense_6
    rep = RecordingReporter()
    cmp = compare_runs(trained_run, half, probe, reporter=rep)
    assert cmp.cka.shape == (6, 6) and not np.isnan(cmp.cka).any()
    assert cmp.matches[("dense_3", "dense_3")].pairs
    m = cmp.match_units("conv2d_3", "conv2d_3")       # 64 units against 32
    assert len(m.pairs) == min(64 - len(m.silent_a), 32 - len(m.silent_b))
    assert len(m.unmatched_a) + len(m.silent_a) >= 32
    assert cmp.agreement is not None and 0 <= cmp.agreement <= 1
    assert rep.of_kind("progress")[-1]["done"] == rep.of_kind("progress")[-1]["total"]
    cmp2 = compare_runs(trained_run, deep, probe)
    assert cmp2.decision_b == "dense_6" and cmp2.cka.shape == (6, 9)
    # Like for like: hidden dense layers pair with hidden ones, convs with convs.
    assert cmp2.best_partner("dense_2")[0] in {f"dense_{i}" for i in range(1, 6)}
    assert cmp2.best_partner("conv2d_2")[0].startswith("conv2d")
    assert cmp2.best_partner("dense_3")[0] == "dense_6"
    assert ("dense_3", "dense_6") in cmp2.matches
    assert "decision layers match at CKA" in cmp2.verdict


def test_pose_against_left_maps_the_classes(trained_run, probe, tmp_path):
    pose = _saved_run("ex1-4", tmp_path)
    cmp = compare_runs(trained_run, pose, probe)
    assert cmp.agreement is not None
    assert "counted as not_left" in cmp.agreement_note
    assert cmp.accuracy_b is not None


def test_unrelated_tasks_have_no_agreement(trained_run, probe, tmp_path):
    eyes = _saved_run("experiment0", tmp_path, task="eyes")
    cmp = compare_runs(trained_run, eyes, probe)
    assert cmp.agreement is None
    assert "agreement not defined" in cmp.verdict and "eyes" in cmp.verdict
    assert cmp.to_json()["agreement"] is None


def test_other_input_size_resizes_the_probe(trained_run, probe, tmp_path):
    big = _saved_run("experiment0", tmp_path, scale=2)
    cmp = compare_runs(trained_run, big, probe)
    assert any("resized from 32x30 to 64x60 for run B" in n for n in cmp.notes)
    assert not np.isnan(cmp.cka).any()


def test_bad_runs_and_probes(trained_run, probe, tmp_path):
    empty = create_run(find_spec("experiment0").copy(scale=4), tmp_path)
    with pytest.raises(RunError, match="no weights"):
        compare_runs(trained_run, empty, probe)
    with pytest.raises(RunError, match="at least"):
        compare_runs(trained_run, trained_run, probe.subset([0, 1]))
    wide = probe.subset(np.arange(8))
    wide.images = np.zeros((8, 30, 60), np.float32)
    with pytest.raises(RunError, match="different shapes"):
        compare_runs(trained_run, trained_run, wide)


def test_stop_returns_what_it_has(trained_run, probe):
    rep = RecordingReporter(stop_after=("progress", 13))
    cmp = compare_runs(trained_run, trained_run, probe, reporter=rep)
    assert cmp.stopped and "stopped" in cmp.verdict
    assert np.isnan(cmp.cka).any() and not np.isnan(cmp.cka[0]).any()
    json.dumps(cmp.to_json())


def test_constant_decision_outputs_get_a_plain_verdict(trained_run, probe, tmp_path):
    import torch
    spec = find_spec("experiment0").copy(scale=4)
    flat = create_run(spec, tmp_path)
    model = build_model(spec, seed=2)
    with torch.no_grad():
        model.layer("dense_3").op.weight.zero_()    # the same outputs for every image
    flat.save_weights(model)
    cmp = compare_runs(trained_run, flat, probe)
    assert np.isnan(cmp.decision_cka)
    assert "cannot be compared" in cmp.verdict
    assert cmp.to_json()["decision_cka"] is None
