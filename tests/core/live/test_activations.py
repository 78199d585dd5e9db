"""One layer's activations: from the live pipeline's own forward pass (a hook removed after
it) and from `faceviz activations RUN IMAGE --layer L`."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch
from live_helpers import background, cmu_shot, place, shots

from faceviz_gui.cli import main
from faceviz_gui.core.data.faceset import normalize
from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.live.activations import LayerTap, crop_activations, mappable_layers
from faceviz_gui.core.live.pipeline import LivePipeline


def _hooks(model) -> int:
    return sum(len(m._forward_hooks) for m in model.modules())


def test_the_pipeline_ships_the_hooked_layer_from_its_own_forward_pass(trained_run):
    model = trained_run.load_model()
    pipe = LivePipeline(model, layer="conv2d_2")
    calls = []
    model.layers[0].register_forward_pre_hook(lambda *a: calls.append(1))
    r = pipe.process(np.repeat(background()[..., None], 3, axis=2))
    assert len(calls) == 1                       # Grad-CAM and the layer view: one pass
    a = r.layer
    assert a.layer == "conv2d_2" and a.kind == "conv2d" and not a.decision
    x = normalize(torch.from_numpy(r.crop))[None, None]
    with torch.no_grad():
        want = model.activations(x, ["conv2d_2"])["conv2d_2"][0].numpy()
    np.testing.assert_allclose(a.maps, want, atol=1e-5)      # post-ReLU maps of the crop
    np.testing.assert_allclose(a.values, want.mean(axis=(1, 2)), atol=1e-5)
    assert (a.maps >= 0).all() and a.names[:2] == ("#0", "#1")
    assert _hooks(model) == 0                    # the tap is gone (the counter is a pre-hook)

    pipe.set_layer("dense_3")                    # the decision layer: logits, class names
    pipe.method = "none"
    r = pipe.process(background())
    assert r.layer.decision and r.layer.maps is None and r.layer.names == ("not_left", "left")
    assert np.argmax(r.layer.values) == r.predicted
    np.testing.assert_allclose(torch.softmax(torch.from_numpy(r.layer.values), 0).numpy(),
                               r.outputs, atol=1e-5)
    pipe.set_layer(None)
    assert pipe.process(background()).layer is None
    with pytest.raises(FaceVizError, match="no conv or dense layer 'flatten_1'"):
        pipe.set_layer("flatten_1")


def test_most_active_first_orders_by_value_and_the_tap_survives_an_error(trained_run):
    model = trained_run.load_model()
    crop = np.random.default_rng(0).random(model.input_size).astype(np.float32)
    a = crop_activations(model, crop, "dense_1")
    order = a.order(most_active_first=True)
    assert sorted(order) == list(range(len(a))) and np.all(np.diff(a.values[order]) <= 0)
    assert list(a.order()) == list(range(len(a)))
    with pytest.raises(RuntimeError), LayerTap(model, "conv2d_1"):
        model(torch.zeros(1, 1, 5, 5))           # too small: the pass fails mid-way
    assert _hooks(model) == 0                   # the hook is removed all the same
    assert mappable_layers(model)[-1] == model.decision_layer


def test_cli_activations_whole_image_and_bad_input(trained_run, tmp_path, capsys):
    img = np.random.default_rng(1).integers(0, 255, (120, 128), dtype=np.uint8)
    path = tmp_path / "face.png"
    cv2.imwrite(str(path), img)
    assert main(["activations", str(trained_run.path), str(path), "--layer", "conv2d_3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    model = trained_run.load_model()
    assert out["layer"] == "conv2d_3" and len(out["values"]) == model.layer("conv2d_3").op.out_channels
    assert out["face"] == "whole image" and out["names"][0] == "#0"
    assert main(["activations", str(trained_run.path), str(path), "--layer", "dense_3"]) == 0
    text = capsys.readouterr().out
    assert "not_left" in text and "left" in text and "before softmax" in text
    for argv, msg in ((["--layer", "pool"], "no conv or dense layer 'pool'"),
                      ([str(tmp_path / "none.png"), "--layer", "dense_1"], "file not found")):
        args = [str(trained_run.path), *(argv if len(argv) == 3 else [str(path), *argv])]
        assert main(["activations", *args]) == 2
        err = capsys.readouterr().err.strip()
        assert msg in err and len(err.splitlines()) == 1
    (tmp_path / "junk.png").write_bytes(b"not an image")
    assert main(["activations", str(trained_run.path), str(tmp_path / "junk.png"), "--layer", "dense_1"]) == 2
    assert "not an image" in capsys.readouterr().err
    assert main(["activations", str(tmp_path / "norun"), str(path), "--layer", "dense_1"]) == 2


@pytest.mark.cmu
def test_cli_crop_faces_crops_like_the_live_pipeline(trained_run, cmu_dir, tmp_path, capsys):
    frame, _ = place(cmu_shot(shots(cmu_dir, "straight", 1)[0]), 150, 90)
    path = tmp_path / "photo.png"
    cv2.imwrite(str(path), frame)
    assert main(["activations", str(trained_run.path), str(path), "--layer", "dense_2",
                 "--crop-faces", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["face"] == "face found"
    pipe = LivePipeline(trained_run.load_model(), method="none", layer="dense_2")
    r = pipe.process(frame.astype(np.float32) / 255, still=True)
    np.testing.assert_allclose(out["values"], r.layer.values, atol=1e-4)
    crop = crop_activations(trained_run.load_model(), r.crop, "dense_2")
    np.testing.assert_allclose(crop.values, r.layer.values, atol=1e-5)
