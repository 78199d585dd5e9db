"""`faceviz list | show | train | runs | eval`, driven in-process as a user would type them."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from faceviz_gui.cli import main
from faceviz_gui.core.data.synth import synthetic_faceset, write_synthetic
from faceviz_gui.core.training.runs import Run
from faceviz_gui.core.training.specs import find_spec


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    spec = find_spec("experiment0").copy(name="tiny", scale=4)
    spec.train.epochs = 9  # the command line overrides it with --epochs 2
    spec_path = spec.save(root / "tiny.toml")
    train_dir = write_synthetic(root / "faces", n_people=6, seed=0)
    unseen = write_synthetic(root / "unseen", n_people=2, seed=5)
    photos = root / "photos"  # a labelled photo folder: <person>/<pose>/<file>.png, larger size
    faces = synthetic_faceset(scale=2, n_people=2, seed=9)
    for img, rec in zip(faces.images, faces.records):
        if rec.pose in ("left", "right") and rec.expression == "neutral":
            folder = photos / f"amigo-{rec.person}" / rec.pose
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray((img * 255).astype(np.uint8)).convert("RGB").save(
                folder / f"{rec.eyes}.png")
    return {"spec": spec_path, "train": train_dir, "unseen": unseen, "photos": photos,
            "runs": root / "runs"}


@pytest.fixture(scope="module")
def trained(folders):
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        rc = main(["train", str(folders["spec"]), "--data", str(folders["train"]),
                   "--runs", str(folders["runs"]), "--device", "cpu", "--json", "--seed", "3",
                   "--epochs", "2"])
    assert rc == 0
    return json.loads(out.getvalue().strip().splitlines()[-1])


def run_cli(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_list_shows_the_seven_with_parameter_counts(capsys):
    rc, out, _ = run_cli(capsys, "list")
    assert rc == 0
    for name in ("experiment0", "ex1-1", "ex1-2", "ex1-3", "ex1-4", "ex1-5", "ex1-6"):
        assert name in out
    assert "155,298" in out and "72,914" in out and "pose" in out


def test_show_prints_the_layer_table(capsys):
    rc, out, _ = run_cli(capsys, "show", "experiment0")
    assert rc == 0
    assert "conv2d_1" in out and "32x58x62" in out and "dense_3" in out
    assert "total parameters: 155,298" in out


def test_train_json_last_line_and_run_on_disk(trained, folders):
    run = Run(trained["path"])
    assert trained["run_id"] == run.id and trained["state"] == "done"
    assert run.state == "done" and run.spec.train.seed == 3 and run.status["epoch"] == 2
    assert run.spec.train.epochs == 2 and len(run.metrics()) == 2
    assert run.status["data"] == str(folders["train"])


def test_runs_lists_the_run_with_its_score(capsys, trained, folders):
    rc, out, _ = run_cli(capsys, "runs", "--runs", str(folders["runs"]))
    assert rc == 0 and trained["run_id"] in out and "done" in out and "2/2" in out
    rc, out, _ = run_cli(capsys, "runs", "--runs", str(folders["runs"]), "--json")
    assert json.loads(out)[0]["accuracy"] == pytest.approx(trained["accuracy"])


def test_eval_own_test_split_json(capsys, trained, folders):
    rc, out, _ = run_cli(capsys, "eval", trained["run_id"], "--runs", str(folders["runs"]),
                         "--json")
    result = json.loads(out)
    assert rc == 0 and {"accuracy", "n", "per_person", "confusion"} <= set(result)
    assert result["accuracy"] == pytest.approx(trained["accuracy"])
    assert sum(map(sum, result["confusion"])) == result["n"]


def test_eval_text_on_unseen_people_and_people_filter(capsys, trained, folders):
    rc, out, _ = run_cli(capsys, "eval", trained["path"], "--data", str(folders["unseen"]))
    assert rc == 0 and "per person" in out and "confusion" in out
    rc, out, _ = run_cli(capsys, "eval", trained["path"], "--data", str(folders["unseen"]),
                         "--people", "syn01", "--json")
    result = json.loads(out)
    assert list(result["per_person"]) == ["syn01"] and result["n"] == 32


def test_eval_on_a_labelled_photo_folder(capsys, trained, folders):
    rc, out, _ = run_cli(capsys, "eval", trained["path"], "--data", str(folders["photos"]),
                         "--json")
    result = json.loads(out)
    assert rc == 0 and result["n"] == 8
    assert set(result["per_person"]) == {"amigo-syn01", "amigo-syn02"}


@pytest.mark.parametrize("argv, words", [
    (["eval", "no-such-run"], "no run"),
    (["eval", "{path}", "--data", "/no/such/folder"], "not a folder"),
    (["eval", "{path}", "--people", "nobody"], "nobody"),
    (["train", "{spec}", "--data", "/no/such/folder"], "not found"),
    (["train", "{spec}", "--epochs", "0"], "--epochs"),
    (["train", "{spec}", "--device", "quantum"], "device"),
    (["train"], "EXPERIMENT"),
    (["train", "--resume", "{path}"], "finished"),
    (["show", "no-such-experiment"], "no such experiment"),
])
def test_user_errors_are_one_line_and_exit_non_zero(capsys, trained, folders, argv, words):
    argv = [a.format(path=trained["path"], spec=folders["spec"]) for a in argv]
    rc, out, err = run_cli(capsys, *argv, "--runs", str(folders["runs"])) if argv[0] != "show" \
        else run_cli(capsys, *argv)
    lines = [l for l in err.splitlines() if l.strip() and "it/s" not in l and "batch/s" not in l]
    assert rc == 2 and words in err
    assert lines[-1].startswith("faceviz: error:") and "Traceback" not in err


def test_a_bad_spec_file_names_the_field(capsys, tmp_path, folders):
    bad = tmp_path / "bad.toml"
    bad.write_text(folders["spec"].read_text().replace('task = "left"', 'task = "left"\nwat = 1'))
    rc, _, err = run_cli(capsys, "train", str(bad), "--runs", str(tmp_path))
    assert rc == 2 and "bad.toml: wat: unknown key" in err


def test_eval_crop_faces_on_a_photo_folder(capsys, trained, folders):
    rc, out, err = run_cli(capsys, "eval", trained["path"], "--data", str(folders["photos"]),
                           "--crop-faces", "--json")
    assert rc == 0, err
    result = json.loads(out)
    assert result["n"] == 8 and set(result["per_person"]) == {"amigo-syn01", "amigo-syn02"}
    rc, _, err = run_cli(capsys, "eval", trained["path"], "--crop-faces")
    assert rc == 2 and "--crop-faces needs --data" in err
