"""train.labels = "pose": a left-or-not network that learns the four poses and answers left or
not from them, in every path that runs it; train.schedule = "cosine"; older specs unchanged."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from faceviz_gui.core.attention.methods import attribute
from faceviz_gui.core.errors import SpecError
from faceviz_gui.core.live.activations import unit_names
from faceviz_gui.core.live.pipeline import LivePipeline
from faceviz_gui.core.training.evaluation import predict
from faceviz_gui.core.training.fit import fit
from faceviz_gui.core.training.loop import learning_rate_at
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.specs import find_spec, from_dict, load_spec

LAYERS = [{"type": "conv2d", "filters": 8, "kernel": 3}, {"type": "max_pooling2d"},
          {"type": "flatten"}, {"type": "dense", "units": 16}]


def spec(task="left", labels="pose", flip_average=True, **top):
    return from_dict({"name": "t", "task": task, "scale": 4, "layers": LAYERS,
                      "train": {"labels": labels, "epochs": 2}, **top,
                      "preprocess": {"normalize": "face", "flip_average": flip_average}})


def test_the_fields_round_trip_and_older_specs_do_not_write_them(tmp_path):
    for name in ("experiment0", "ex1-4", "ex2-pose"):
        text = find_spec(name).to_toml()
        assert "labels" not in text and "schedule" not in text
    s = spec()
    s.train.schedule = "cosine"
    again = load_spec(s.save(tmp_path / "t.toml"))
    assert (again.train.labels, again.train.schedule) == ("pose", "cosine")
    assert again.classes == ("not_left", "left")
    assert again.unit_classes == ("straight", "left", "right", "up")
    assert again.answer_groups == [[0, 2, 3], [1]]


@pytest.mark.parametrize("task, labels, top, why", [
    ("expression", "pose", {}, "cannot answer task 'expression'"),
    ("left", "eyes", {}, "cannot answer task 'left'"),
    ("left", "pose", {"loss": "mse", "output_activation": "linear"}, "softmax output"),
])
def test_labels_it_cannot_answer_from_are_refused(task, labels, top, why):
    with pytest.raises(SpecError, match=r"train\.labels.*" + why):
        spec(task, labels, flip_average=False, **top)


def test_schedule_is_checked_and_cosine_falls_to_zero():
    with pytest.raises(SpecError, match=r"train\.schedule"):
        from_dict({"name": "t", "layers": LAYERS, "train": {"schedule": "step"}})
    s = spec()
    s.train.epochs = 10
    assert learning_rate_at(s, 3, 0.5) == s.train.learning_rate  # constant by default
    s.train.schedule = "cosine"
    lrs = [learning_rate_at(s, e, w) for e in range(10) for w in (0.0, 0.25, 0.5, 0.75)]
    assert lrs[0] == s.train.learning_rate and learning_rate_at(s, 10) == pytest.approx(0)
    assert learning_rate_at(s, 5) == pytest.approx(s.train.learning_rate / 2)
    assert all(a >= b for a, b in zip(lrs, lrs[1:]))
    assert math.isclose(learning_rate_at(s, 2, 0.5), s.train.learning_rate
                        * (1 + math.cos(math.pi / 4)) / 2)


def test_the_answer_sums_the_mirror_averaged_pose_probabilities():
    model = build_model(spec(), seed=0)
    assert model.layer_info()[-1].units == 4  # the decision layer learns four poses
    assert unit_names(model, model.decision_layer) == ("straight", "left", "right", "up")
    x = torch.randn(6, 1, 30, 32)
    model.train()
    assert model(x).shape == (6, 4)  # training fits the poses
    model.eval()
    with torch.no_grad():
        probs = model.probabilities(model(x))
        raw = model.layers[-1](torch.nn.Sequential(*model.layers[:-1])(torch.cat([x, x.flip(-1)])))
        poses = torch.softmax((raw[:6] + raw[6:][:, model.mirror]) / 2, dim=1)
    assert probs.shape == (6, 2)
    assert torch.allclose(probs[:, 1], poses[:, 1], atol=1e-6)
    assert torch.allclose(probs[:, 0], poses[:, [0, 2, 3]].sum(1), atol=1e-6)


@pytest.mark.parametrize("method", ["gradcam", "none"])
def test_live_attention_and_evaluation_give_the_same_answer(method):
    model = build_model(spec(), seed=0)
    frame = (np.random.default_rng(0).random((60, 64)) * 255).astype(np.uint8)
    res = LivePipeline(build_model(spec(), seed=0), method=method).process(frame, still=True)
    probs = predict(model, res.crop[None])[0]
    assert res.classes == ("not_left", "left") and np.allclose(res.outputs, probs, atol=1e-5)
    att = attribute(model.eval(), (res.crop - 0.5) / 0.25, "gradcam")
    assert np.allclose(att.outputs, probs, atol=1e-5)
    if method == "gradcam":
        assert np.allclose(res.heatmap, att.heatmap, atol=1e-4)  # the same map both ways


def test_training_learns_poses_and_scores_the_answers(synthetic_small, tmp_path):
    s = spec()
    s.train.schedule = "cosine"
    result = fit(s, synthetic_small, runs_root=tmp_path, device="cpu")
    run = result.run
    evaluation = run.evaluation()
    assert evaluation["classes"] == ["not_left", "left"]
    assert all(0 <= row["val_acc"] <= 1 for row in result.history)
    assert np.array(evaluation["confusion"]).shape == (2, 2)
    again = run.load_model("cpu")
    assert again.layer_info()[-1].units == 4
    assert predict(again, synthetic_small.images[:3]).shape == (3, 2)
