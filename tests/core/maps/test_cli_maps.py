"""`faceviz maps`: render and export a run's gallery; bad input is one line, non-zero exit."""
from __future__ import annotations

import json

from faceviz_gui.cli import main
from faceviz_gui.core.training.runs import create_run


def test_maps_writes_the_gallery(trained_run, tmp_path, capsys):
    out = tmp_path / "gallery"
    code = main(["maps", str(trained_run.path), "--layers", "conv2d_2", "dense_3",
                 "--steps", "8", "--out", str(out), "--formats", "png,html"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "conv2d_2: 32 maps" in captured.err and "of 32 filters dead" in captured.err
    assert (out / "index.html").is_file()
    assert (out / "sheets" / "conv2d_2_raw.png").is_file() and (out / "sheets" / "dense_3_raw.png").is_file()
    meta = json.loads((out / "metadata.json").read_text())
    assert "2 layers rendered" in captured.out
    assert "conv2d_2" in json.dumps(meta)


def test_unknown_layer_run_without_weights_and_bad_format_fail_in_one_line(trained_run, tmp_path, capsys):
    assert main(["maps", str(trained_run.path), "--layers", "conv7", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no layer 'conv7'" in err and "conv2d_1" in err

    empty = create_run(trained_run.spec, tmp_path / "runs")
    assert main(["maps", str(empty.path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no weights" in err

    assert main(["maps", str(trained_run.path), "--formats", "gif", "--out", str(tmp_path)]) == 2
    assert "unknown format 'gif'" in capsys.readouterr().err
