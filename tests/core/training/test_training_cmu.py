"""Acceptance on the real CMU faces (FACEVIZ_CMU_DIR): the blog's numbers, and unseen people."""
from __future__ import annotations

import json

import pytest

from faceviz_gui.cli import main
from faceviz_gui.core.data.sources import load_source
from faceviz_gui.core.training.evaluation import run_test_set
from faceviz_gui.core.training.fit import fit
from faceviz_gui.core.training.specs import find_spec

pytestmark = [pytest.mark.cmu, pytest.mark.slow]


@pytest.fixture(scope="module")
def cmu64(cmu_dir):
    return load_source(str(cmu_dir), 2)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return tmp_path_factory.mktemp("cmu-runs")


def test_experiment0_scores_at_least_95_percent(cmu64, runs):
    spec = find_spec("experiment0")
    assert spec.train.epochs == 20 and spec.input_size == (60, 64)
    result = fit(spec, cmu64, runs_root=runs, device="cpu")
    ev = result.evaluation
    assert ev["accuracy"] >= 0.95, ev["per_person"]
    assert ev["n"] >= 80 and len(ev["per_person"]) == len(cmu64.people)
    # the run's own test split, rebuilt from disk, scores the same
    assert run_test_set(result.run).size == (60, 64)


def test_ex1_4_scores_at_least_85_percent_on_four_poses(cmu64, runs):
    result = fit(find_spec("ex1-4"), cmu64, runs_root=runs, device="cpu")
    ev = result.evaluation
    assert ev["classes"] == ["straight", "left", "right", "up"]
    assert ev["accuracy"] >= 0.85, ev["confusion"]


def test_leave_people_out_eval_on_people_the_run_never_saw(cmu64, runs, cmu_dir, capsys):
    spec = find_spec("experiment0")
    spec.split.kind, spec.split.n_people = "people", 3
    spec.train.epochs = 10
    run = fit(spec, cmu64, runs_root=runs, device="cpu").run
    split = run.split
    test_people = sorted({p.split("/")[-2] for p in split["test"]})
    train_people = {p.split("/")[-2] for p in split["train"] + split["val"]}
    assert len(test_people) == 3 and not train_people & set(test_people)

    rc = main(["eval", str(run.path), "--data", str(cmu_dir), "--people", *test_people,
               "--json"])
    result = json.loads(capsys.readouterr().out)
    assert rc == 0 and sorted(result["per_person"]) == test_people
    assert result["n"] == len(split["test"])
    assert result["accuracy"] == pytest.approx(run.evaluation()["accuracy"])
    assert result["accuracy"] > 0.6  # new faces, same camera: still far above chance
