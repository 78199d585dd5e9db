"""Attention maps on networks built to depend only on a known region of the image."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from faceviz_gui.core.attention.methods import METHODS, attribute, attribute_image, overlay
from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.specs import ExperimentSpec, LayerSpec

H, W = 30, 32  # scale 4


def _region_net(output_activation: str, two_convs: bool, seed: int = 0):
    """A net whose first dense layer only sees a block of the last conv output.

    Returns the model and the input region (rows, cols slices) its output can depend on:
    the block grown by the receptive field of the conv stack.
    """
    layers = [LayerSpec("conv2d", filters=6, kernel=3)]
    if two_convs:
        layers += [LayerSpec("max_pooling2d", pool=2), LayerSpec("conv2d", filters=6, kernel=3)]
    layers += [LayerSpec("flatten"), LayerSpec("dense", units=8)]
    spec = ExperimentSpec(name="region", layers=layers, task="left", scale=4,
                          output_activation=output_activation,
                          loss="crossentropy" if output_activation == "softmax" else "mse")
    model = build_model(spec, seed=seed).eval()
    conv = [l for l in model.layers if l.kind == "conv2d"][-1]
    with torch.no_grad():
        c_out = model.forward_to(torch.zeros(1, 1, H, W), conv.name)
    c, ch, cw = c_out.shape[1:]
    if two_convs:  # conv2 (i, j) sees input rows 2i .. 2i+7
        r0, r1, q0, q1 = 2, 6, 8, 11
        region = (slice(2 * r0, 2 * r1 + 8), slice(2 * q0, 2 * q1 + 8))
    else:          # conv1 (i, j) sees input rows i .. i+2
        r0, r1, q0, q1 = 4, 12, 17, 26
        region = (slice(r0, r1 + 3), slice(q0, q1 + 3))
    mask = torch.zeros(c, ch, cw)
    mask[:, r0:r1 + 1, q0:q1 + 1] = 1
    dense = model.layer("dense_1").op
    with torch.no_grad():
        dense.weight.mul_(mask.reshape(1, -1))
        # Make the class scores differ strongly, so every method has a clear signal.
        model.layer("dense_2").op.weight.mul_(4.0)
    return model, region


@pytest.mark.parametrize("output_activation", ["softmax", "linear"])
@pytest.mark.parametrize("two_convs", [False, True])
@pytest.mark.parametrize("method", METHODS)
def test_heatmap_mass_falls_in_the_region_the_network_sees(method, output_activation, two_convs):
    model, (rows, cols) = _region_net(output_activation, two_convs)
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, size=(H, W)).astype(np.float32)
    res = attribute(model, x, method=method)
    heat = res.heatmap
    assert heat.shape == (H, W) and heat.dtype == np.float32
    assert 0.0 <= heat.min() and heat.max() == pytest.approx(1.0)
    inside = heat[rows, cols].sum() / heat.sum()
    area = heat[rows, cols].size / heat.size
    assert area < 0.35
    assert inside > 0.8, f"{method}: only {inside:.2f} of the mass in the region (area {area:.2f})"
    assert res.output_kind == output_activation
    assert res.outputs.shape == (2,)
    if output_activation == "softmax":
        assert res.outputs.sum() == pytest.approx(1.0, abs=1e-5)


def test_prediction_target_and_outputs():
    model, _ = _region_net("softmax", False)
    x = np.random.default_rng(2).normal(0, 1, size=(1, 1, H, W)).astype(np.float32)
    with torch.no_grad():
        logits = model(torch.from_numpy(x))[0]
    res = attribute(model, torch.from_numpy(x), "gradcam")
    assert res.predicted == int(logits.argmax())
    assert res.target == res.predicted
    np.testing.assert_allclose(res.outputs, torch.softmax(logits, 0).numpy(), rtol=1e-5)
    other = 1 - res.predicted
    by_index = attribute(model, x, "saliency", target=other)
    by_name = attribute(model, x, "saliency", target=model.classes[other])
    assert by_index.target == by_name.target == other
    np.testing.assert_allclose(by_index.heatmap, by_name.heatmap)
    assert res.predicted_class in res.describe()


def test_model_is_left_untouched():
    model, _ = _region_net("softmax", True)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = np.zeros((H, W), np.float32)
    for m in METHODS:
        attribute(model, x, m)
    assert all(p.grad is None for p in model.parameters())
    assert not model.training
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k])
    # captum's guided backprop hooks are gone: plain gradients equal a fresh model's.
    assert not any(l.act._backward_hooks or l.act._forward_hooks or l.act._forward_pre_hooks
                   for l in model.layers)


def test_bad_input_gives_clear_errors():
    model, _ = _region_net("softmax", False)
    x = np.zeros((H, W), np.float32)
    with pytest.raises(FaceVizError, match="unknown attention method"):
        attribute(model, x, "lime")
    with pytest.raises(FaceVizError, match="network takes 32x30"):
        attribute(model, np.zeros((60, 64), np.float32))
    with pytest.raises(FaceVizError, match="unknown class"):
        attribute(model, x, target="up")
    with pytest.raises(FaceVizError, match="out of range"):
        attribute(model, x, target=5)


def test_attribute_image_normalises_and_overlay_blends():
    model, _ = _region_net("softmax", False)
    grey = np.full((H, W), 0.5, np.float32)
    res = attribute_image(model, grey, "gradcam")
    heat = np.zeros((H, W), np.float32)
    heat[:, W // 2:] = 1.0
    rgb = overlay(grey, heat, alpha=0.5, colormap="inferno")
    assert rgb.shape == (H, W, 3) and rgb.dtype == np.uint8
    assert (rgb[:, :W // 2] == 128).all()             # no attention: the plain grey face
    assert not (rgb[:, W // 2:] == 128).all()          # attention: coloured
    big = overlay((grey * 255).astype(np.uint8), res.heatmap[::2, ::2], colormap="jet")
    assert big.shape == (H, W, 3)
    with pytest.raises(ValueError, match="colormap"):
        overlay(grey, heat, colormap="rainbow")
