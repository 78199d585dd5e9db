"""[preprocess] flip_average: the network predicts from an image and its mirror image (left
and right swapped), averaged, in every path that runs it; older specs are unchanged."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from faceviz_gui.core.errors import SpecError
from faceviz_gui.core.live.pipeline import LivePipeline
from faceviz_gui.core.training.evaluation import predict
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.specs import find_spec, from_dict, load_spec

LAYERS = [{"type": "conv2d", "filters": 8, "kernel": 3}, {"type": "max_pooling2d"},
          {"type": "flatten"}, {"type": "dense", "units": 16}]


def spec(task="pose", **preprocess):
    return from_dict({"name": "t", "task": task, "scale": 4, "layers": LAYERS,
                      "preprocess": {"normalize": "face", **preprocess}})


def test_flip_average_round_trips_and_older_specs_do_not_write_it(tmp_path):
    assert "flip_average" not in spec().to_toml()
    assert "flip_average" not in find_spec("ex1-4").to_toml()
    again = load_spec(spec(flip_average=True).save(tmp_path / "t.toml"))
    assert again.preprocess.flip_average is True


@pytest.mark.parametrize("task, value, why", [("left", True, "left and right"),
                                              ("pose", "yes", "expected bool")])
def test_flip_average_is_refused_where_it_means_nothing(task, value, why):
    with pytest.raises(SpecError, match=r"preprocess\.flip_average.*" + why):
        spec(task, flip_average=value)


def test_a_mirror_image_gets_the_mirrored_answer_and_training_sees_one_image():
    model = build_model(spec(flip_average=True), seed=0).eval()
    plain = build_model(spec(), seed=0).eval()  # the same weights without averaging
    x = torch.randn(5, 1, 30, 32)
    left, right = model.classes.index("left"), model.classes.index("right")
    swap = list(range(4))
    swap[left], swap[right] = right, left
    with torch.no_grad():
        out, mirrored = model(x), model(x.flip(-1))
        assert torch.allclose(out, mirrored[:, swap], atol=1e-5)
        assert torch.allclose(out, (plain(x) + plain(x.flip(-1))[:, swap]) / 2, atol=1e-5)
        assert not torch.allclose(plain(x), plain(x.flip(-1))[:, swap], atol=1e-3)
        model.train()  # training fits the one image, as before
        assert torch.allclose(model(x), plain(x), atol=1e-5)


@pytest.mark.parametrize("method", ["gradcam", "none"])
def test_live_pipeline_gives_the_averaged_answer_that_evaluation_gives(method):
    model = build_model(spec(flip_average=True), seed=0)
    rng = np.random.default_rng(0)
    frame = (rng.random((60, 64)) * 255).astype(np.uint8)  # no face: the centred crop
    live = LivePipeline(build_model(spec(flip_average=True), seed=0), method=method)
    res = live.process(frame, still=True)
    probs = predict(model, res.crop[None])[0]
    assert np.allclose(res.outputs, probs, atol=1e-5)
    if method == "gradcam":
        assert res.heatmap.shape == res.crop.shape


def test_face_standardising_and_flip_average_trace_for_export():
    # export-model traces the network; the face region's bounds once broke tracing
    model = build_model(spec(flip_average=True), seed=0).eval()
    x = torch.randn(3, 1, 30, 32)
    with torch.no_grad(), pytest.warns(torch.jit.TracerWarning):
        traced = torch.jit.trace(model, x[:1])
        assert torch.allclose(traced(x), model(x), atol=1e-5)  # any batch, not the traced one
