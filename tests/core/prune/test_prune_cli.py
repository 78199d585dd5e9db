"""`faceviz prune` and `faceviz export-model`: text, --json last lines, one-line errors."""
from __future__ import annotations

import json

from faceviz_gui.cli import main


def test_prune_cli_prints_the_verdict_and_json(folder_run, capsys):
    runs = str(folder_run.path.parent)
    code = main(["prune", folder_run.id, "--runs", runs, "--method", "magnitude",
                 "--amount", "0.45", "--finetune-epochs", "1", "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    assert any(l.startswith("verdict: decision layers match at CKA") for l in out)
    assert any("test accuracy (the parent's test split)" in l for l in out)
    last = json.loads(out[-1])
    assert set(last) >= {"run_id", "path", "params_before", "params_after", "accuracy_before",
                         "accuracy_after", "removed"}
    assert last["params_after"] <= 0.55 * last["params_before"]
    assert all(isinstance(i, int) for units in last["removed"].values() for i in units)


def test_export_model_cli(folder_run, tmp_path, capsys):
    out = tmp_path / "m.onnx"
    assert main(["export-model", str(folder_run.path), "--format", "onnx", "--out", str(out),
                 "--json"]) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(last) == {"path", "format", "bytes", "max_abs_diff", "latency_ms"}
    assert last["bytes"] == out.stat().st_size and last["max_abs_diff"] < 1e-4


def test_cli_errors_are_one_line(folder_run, tmp_path, capsys):
    runs = str(folder_run.path.parent)
    for argv, message in [
        (["export-model", str(folder_run.path), "--format", "tflite", "--out", str(tmp_path / "x")],
         "unknown format 'tflite'"),
        (["prune", folder_run.id, "--runs", runs, "--method", "random"], "unknown pruning method"),
        (["prune", folder_run.id, "--runs", runs, "--amount", "2"], "between 0 and 1"),
        (["prune", "nope", "--runs", runs], "no run 'nope'"),
    ]:
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1, err
