"""`faceviz diagnose` end to end on a CMU-format synthetic folder: report files and the JSON
line; a bad folder is one line on stderr and exit code 2."""
from __future__ import annotations

import json

from faceviz_gui.cli import main


def test_cli_writes_the_report_and_one_json_line(trained_run, tmp_path, capsys):
    import shutil

    from faceviz_gui.core.data.synth import write_synthetic
    cmu = write_synthetic(tmp_path / "cmu", n_people=8, seed=0)
    two = tmp_path / "two"
    for person in sorted(p.name for p in cmu.iterdir() if p.is_dir())[:2]:
        shutil.copytree(cmu / person, two / person)
    out = tmp_path / "report"
    rc = main(["diagnose", str(trained_run.path), "--data", str(two), "--train-data", str(cmu),
               "--out", str(out), "--json", "--layer", "dense_1"])
    assert rc == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    js = json.loads(last)
    for key in ("n", "accuracy", "factors", "attention", "embedding", "layers", "findings"):
        assert key in js
    assert js["n"] == 2 * 32 and js["embedding"]["layer"] == "dense_1"
    assert len(js["embedding"]["points"]) == js["n"]
    assert set(js["factors"]["shift_x"]) >= {"values", "accuracy", "p_true"}
    assert "inside_face" in js["attention"]
    assert (out / "index.html").read_text().startswith("<!doctype html>")
    assert (out / "sensitivity.png").exists()


def test_cli_bad_folder_is_one_line(trained_run, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    rc = main(["diagnose", str(trained_run.path), "--data", str(tmp_path / "empty"),
               "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and err[-1].startswith("faceviz: error: no usable images")
    assert sum(line.startswith("faceviz: error") for line in err) == 1
    assert main(["diagnose", str(trained_run.path), "--data", str(tmp_path), "--layer", "nope",
                 "--out", str(tmp_path / "r")]) == 2
    assert main(["diagnose", str(trained_run.path), "--data", str(tmp_path), "--method", "nope",
                 "--out", str(tmp_path / "r")]) == 2
    assert "unknown attention method" in capsys.readouterr().err
