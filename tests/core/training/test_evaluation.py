"""evaluate(): exact numbers on a network whose answers are known; a run's own test split."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from faceviz_gui.core.data.faceset import FaceRecord, FaceSet
from faceviz_gui.core.errors import DataError, RunError
from faceviz_gui.core.training.evaluation import evaluate, format_report, run_test_set


class HalfBrightness(nn.Module):
    """Says "left" when the image's right half is brighter (a left face points there)."""

    input_size = (30, 32)

    def __init__(self, linear: bool = False):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(10.0))
        self.linear = linear

    def forward(self, x):
        d = (x[..., 16:].mean(dim=(1, 2, 3)) - x[..., :16].mean(dim=(1, 2, 3))) * self.scale
        return torch.stack([-d, d], 1)

    def probabilities(self, logits):
        return logits if self.linear else torch.softmax(logits, 1)


def faces(spec):
    """spec: list of (person, pose, bright side) -> FaceSet."""
    images, records = [], []
    for i, (person, pose, side) in enumerate(spec):
        img = np.full((30, 32), 0.2, np.float32)
        if side == "right":
            img[:, 16:] = 0.8
        else:
            img[:, :16] = 0.8
        images.append(img)
        records.append(FaceRecord(person, pose, "neutral", "open", 4, f"{person}/{person}_{i}.pgm"))
    return FaceSet(np.stack(images), records, source="test")


DATA = [("ann", "left", "right"), ("ann", "left", "right"), ("ann", "straight", "left"),
        ("bob", "left", "left"), ("bob", "right", "left"), ("bob", "up", "right")]


@pytest.mark.parametrize("linear", [False, True])
def test_accuracy_per_person_and_confusion_are_exact(linear):
    result = evaluate(HalfBrightness(linear), faces(DATA), "left")
    # predictions: left, left, not, not, not, left; truth: left, left, not, left, not, not
    assert result["predictions"] == [1, 1, 0, 0, 0, 1]
    assert result["labels"] == [1, 1, 0, 1, 0, 0]
    assert result["accuracy"] == pytest.approx(4 / 6) and result["n"] == 6
    assert result["per_person"] == {"ann": {"accuracy": 1.0, "n": 3},
                                    "bob": {"accuracy": pytest.approx(1 / 3), "n": 3}}
    assert result["confusion"] == [[2, 1], [1, 2]]  # rows true, columns predicted
    assert result["classes"] == ["not_left", "left"]
    assert len(result["probabilities"]) == 6 and result["people"][3] == "bob"
    text = format_report(result)
    assert "accuracy 0.667 on 6 images" in text and "bob" in text


def test_model_mode_is_left_as_it_was():
    model = HalfBrightness().train()
    evaluate(model, faces(DATA), "left")
    assert model.training


def test_bad_inputs_are_clear_errors():
    model = HalfBrightness()
    with pytest.raises(DataError, match="empty"):
        evaluate(model, faces(DATA).subset([]), "left")
    with pytest.raises(RunError, match="2 outputs"):
        evaluate(model, faces(DATA), "pose")
    small = FaceSet(np.zeros((1, 15, 16), np.float32), [FaceRecord("a", "left")])
    with pytest.raises(DataError, match="takes 32x30"):
        evaluate(model, small, "left")


def test_run_test_set_rebuilds_the_runs_own_test_split(trained_run, synthetic_small):
    test = run_test_set(trained_run, synthetic_small)
    assert [r.path for r in test.records] == trained_run.split["test"]
    again = evaluate(trained_run.load_model(), test, "left")
    assert again["accuracy"] == pytest.approx(trained_run.evaluation()["accuracy"])
    # images gone from the data: a clear error, not a silent smaller test set
    fewer = synthetic_small.subset([i for i, r in enumerate(synthetic_small.records)
                                    if r.person != test.records[0].person])
    with pytest.raises(DataError, match="not in"):
        run_test_set(trained_run, fewer)


def test_a_run_without_its_data_source_says_so(tmp_path):
    import json

    from faceviz_gui.core.training.runs import create_run
    from faceviz_gui.core.training.specs import find_spec
    run = create_run(find_spec("experiment0"), tmp_path)
    (run.path / "split.json").write_text(json.dumps({"train": ["a.pgm"], "test": ["b.pgm"]}))
    with pytest.raises(RunError, match="does not record its data source; use --data"):
        run_test_set(run)
