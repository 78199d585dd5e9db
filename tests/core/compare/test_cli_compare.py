"""`faceviz compare`: the CKA table, agreement and verdict; --json; --out; bad runs."""
from __future__ import annotations

import json

import pytest

from faceviz_gui.cli import main
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.runs import create_run
from faceviz_gui.core.training.specs import find_spec


@pytest.fixture(scope="module")
def probe_dir(tmp_path_factory):
    from faceviz_gui.core.data.synth import write_synthetic
    return write_synthetic(tmp_path_factory.mktemp("probe") / "faces", n_people=2, seed=5)


def test_compare_a_run_with_itself(trained_run, probe_dir, tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", str(trained_run.path), str(trained_run.path), "--data", str(probe_dir),
                 "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "linear CKA (rows A, columns B):" in text
    row = next(l for l in text.splitlines() if l.startswith("conv2d_1 "))
    assert row.split()[1] == "1.00"
    assert "decision agreement: 100.0%" in text
    assert "verdict: decision layers match at CKA 1.00, 100% agreement: these networks " \
           "learned about the same thing" in text
    assert (out / "cka.png").is_file() and (out / "comparison.json").is_file()


def test_compare_json_across_architectures(trained_run, probe_dir, tmp_path, capsys):
    spec = find_spec("ex1-4").copy(scale=4)
    other = create_run(spec, tmp_path / "runs")
    other.save_weights(build_model(spec, seed=3))
    assert main(["compare", str(trained_run.path), other.id, "--runs", str(tmp_path / "runs"),
                 "--data", str(probe_dir), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["experiment_b"] == "ex1-4" and len(data["cka"]) == 6
    assert data["agreement"] is not None and "verdict" in data


def test_compare_bad_runs(trained_run, tmp_path, capsys):
    empty = create_run(find_spec("experiment0").copy(scale=4), tmp_path / "runs")
    for argv, message in [
        (["compare", str(trained_run.path), "nope", "--runs", str(tmp_path / "runs")], "no run 'nope'"),
        (["compare", str(trained_run.path), empty.id, "--runs", str(tmp_path / "runs"),
          "--data", "synthetic"], "no weights"),
        (["compare", str(trained_run.path), str(trained_run.path), "--maps"], "--maps needs --out"),
    ]:
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1
