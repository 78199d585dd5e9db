"""`faceviz attend`: overlays written, prediction printed, bad input one line and exit 2."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from faceviz_gui.cli import main
from faceviz_gui.core.training.runs import create_run
from faceviz_gui.core.training.specs import find_spec


@pytest.fixture
def face_png(synthetic_small, tmp_path):
    i = next(k for k, r in enumerate(synthetic_small.records) if r.pose == "left")
    path = tmp_path / "face.png"
    Image.fromarray((synthetic_small.images[i] * 255).astype(np.uint8)).resize((128, 120)).save(path)
    return path


def test_attend_writes_overlays_and_prints_the_prediction(trained_run, face_png, tmp_path, capsys):
    out = tmp_path / "att"
    assert main(["attend", str(trained_run.path), str(face_png), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("face.png: ") and "not_left" in text and "p=" in text
    png = Image.open(out / "face_gradcam.png")
    assert png.width >= 2 * 32 * 4 and png.height >= 30 * 4   # input + overlay, enlarged
    assert main(["attend", str(trained_run.path), str(face_png), "--out", str(out),
                 "--method", "all", "--target", "left", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    row = data["images"][0]
    assert row["target"] == "left" and len(row["methods"]) == 5
    assert sum(row["outputs"].values()) == pytest.approx(1.0, abs=1e-4)
    assert Image.open(out / "face_all.png").width >= 6 * 32 * 4


@pytest.mark.parametrize("extra, message", [
    (["--method", "lime"], "unknown method 'lime'"),
    (["--target", "up"], "unknown class 'up'"),
    (["--colormap", "rainbow"], "unknown colormap"),
])
def test_attend_bad_options(trained_run, face_png, tmp_path, capsys, extra, message):
    code = main(["attend", str(trained_run.path), str(face_png), "--out", str(tmp_path / "o"), *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1


def test_attend_unreadable_image_writes_nothing(trained_run, face_png, tmp_path, capsys):
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    out = tmp_path / "o"
    assert main(["attend", str(trained_run.path), str(face_png), str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "cannot read" in err and "notes.png" in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_attend_run_without_weights(face_png, tmp_path, capsys):
    run = create_run(find_spec("experiment0").copy(scale=4), tmp_path / "runs")
    assert main(["attend", run.id, str(face_png), "--runs", str(tmp_path / "runs")]) == 2
    assert "no weights" in capsys.readouterr().err
