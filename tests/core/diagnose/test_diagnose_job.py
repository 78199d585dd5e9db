"""The whole diagnosis on a small synthetic run and folder: every part, bad input, stopping."""
from __future__ import annotations

import json

import numpy as np
import pytest
from diagnose_helpers import write_photo_folder

from faceviz_gui.core.diagnose.job import TOTAL, diagnose
from faceviz_gui.core.diagnose.perturb import FACTOR_NAMES
from faceviz_gui.core.errors import DataError
from faceviz_gui.core.tasks import RecordingReporter
from faceviz_gui.core.training.evaluation import predict


@pytest.fixture(scope="module")
def bright_diagnosis(trained_run, synthetic_small, tmp_path_factory):
    root = write_photo_folder(synthetic_small, tmp_path_factory.mktemp("bright"), brighten=0.3)
    (root / "left" / "broken.jpg").write_bytes(b"not an image")
    rep = RecordingReporter()
    return diagnose(trained_run, root, reporter=rep, train_data=synthetic_small, n_train=80), rep


def test_every_part_is_there_and_agrees_with_evaluation(bright_diagnosis, trained_run, synthetic_small):
    d, rep = bright_diagnosis
    js = json.loads(json.dumps(d.to_json()))
    assert js["n"] == d.n == 24 and not js["stopped"]
    probs = predict(trained_run.load_model(), d.folder.images)
    assert js["accuracy"] == pytest.approx(float((probs.argmax(1) == d.folder.labels).mean()), abs=1e-4)
    assert set(js["factors"]) == set(FACTOR_NAMES)
    for f in js["factors"].values():
        assert len(f["values"]) == len(f["accuracy"]) == len(f["p_true"]) >= 2
        assert all(0 <= a <= 1 for a in f["accuracy"])
    # identity value of every factor gives the plain accuracy
    assert js["factors"]["brightness"]["accuracy"][js["factors"]["brightness"]["values"].index(0.0)] \
        == pytest.approx(js["accuracy"], abs=1e-4)
    # the folder was brightened by 0.3: the gap says so and the covered range sits below zero
    assert js["factors"]["brightness"]["gap"] == pytest.approx(0.3, abs=0.08)
    lo, hi = js["factors"]["brightness"]["covered"]
    assert hi < 0
    att = js["attention"]
    assert 0 <= att["inside_face"] <= 1
    assert att["inside_face"] + att["hair"] + att["clothes"] + att["background"] == pytest.approx(1, abs=1e-3)
    assert set(att["per_class"]) <= {"not_left", "left"} and "training" in att
    emb = js["embedding"]
    assert emb["layer"] == "dense_2" and emb["method"] == "pca" and len(emb["points"]) == d.n
    assert [layer["layer"] for layer in js["layers"]][0] == "conv2d_1"
    assert js["layers"][0]["shift"] > js["layers"][0]["reference"]   # brighter than CMU-like test
    assert js["findings"] and all(isinstance(s, str) and s.endswith(".") for s in js["findings"])
    assert js["findings"][0].startswith("experiment0 answers")
    assert [s["path"].rsplit("/", 1)[1] for s in js["skipped"]] == ["broken.jpg"]
    wrong = d.mistakes()
    conf = [float(d.probs[i].max()) for i in wrong]
    assert conf == sorted(conf, reverse=True) and not d.correct[wrong].any()
    done = [r["done"] for r in rep.of_kind("progress") if r.get("total") == TOTAL]
    assert done == sorted(done) and done[-1] == TOTAL


def test_report_files_are_standalone(bright_diagnosis, tmp_path):
    from faceviz_gui.core.diagnose.report_html import write_report
    d, _ = bright_diagnosis
    index = write_report(d, tmp_path / "report")
    page = index.read_text()
    assert page.count("data:image/png;base64,") >= 4 + 2 * min(len(d.mistakes()), 40)
    assert "src='http" not in page and 'src="http' not in page
    for stem in ("sensitivity", "attention", "layers", "embedding"):
        assert (tmp_path / "report" / f"{stem}.png").stat().st_size > 1000
    assert json.loads((tmp_path / "report" / "diagnosis.json").read_text())["n"] == d.n


def test_bad_folders_get_one_line_messages(trained_run, synthetic_small, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no usable images"):
        diagnose(trained_run, tmp_path / "empty", train_data=synthetic_small)
    with pytest.raises(DataError, match="not found"):
        diagnose(trained_run, tmp_path / "missing", train_data=synthetic_small)
    one = synthetic_small.subset([i for i, r in enumerate(synthetic_small.records) if r.pose == "up"])
    write_photo_folder(one, tmp_path / "one")
    with pytest.raises(DataError, match="only one class"):
        diagnose(trained_run, tmp_path / "one", train_data=synthetic_small)


def test_stopping_returns_what_it_has(trained_run, synthetic_small, tmp_path):
    root = write_photo_folder(synthetic_small, tmp_path / "f", per_pose=3)
    rep = RecordingReporter(stop_after=("progress", 6))
    d = diagnose(trained_run, root, reporter=rep, train_data=synthetic_small)
    assert d.stopped and len(d.curves) < len(FACTOR_NAMES)
    assert d.to_json()["stopped"] is True
    assert np.isfinite(d.accuracy)
