"""HappyMaps: the batched optimisation, its objective, previews, stop, determinism, cache."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from faceviz_gui.core.data.faceset import normalize
from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.maps import happymaps as hm
from faceviz_gui.core.maps import mapops
from faceviz_gui.core.tasks import RecordingReporter
from faceviz_gui.core.training.nets import build_model

STEPS = 32


@pytest.fixture(scope="module")
def tiny_model(tiny_spec):
    return build_model(tiny_spec, seed=3)


def _reference(model, x, name, targets, objective):
    y = model.forward_to(x, name)
    sel = y[torch.arange(len(targets)), targets]
    if objective == "channel" and name == model.layer_names[0]:
        # The first layer's channel mean would only see brightness: it is rectified first.
        return torch.nn.functional.leaky_relu(sel, mapops.FIRST_LAYER_LEAK).mean(dim=(1, 2))
    if objective == "channel":
        return sel.mean(dim=(1, 2))
    if objective == "neuron":
        return sel[:, sel.shape[1] // 2, sel.shape[2] // 2]
    return sel


def test_objective_and_fast_forward_match_the_network(tiny_model):
    x = torch.randn(5, 1, *tiny_model.input_size)
    targets = torch.tensor([0, 1, 1, 0, 1])
    for name in hm.map_layers(tiny_model):
        target = tiny_model.layer(name)
        below = mapops.layers_below(tiny_model, target)
        z = mapops.forward_below(below, x)
        if below:
            torch.testing.assert_close(z, tiny_model.forward_to(x, below[-1].name, pre_activation=False))
        objectives = ("channel", "neuron") if target.kind == "conv2d" else ("unit",)
        for objective in objectives:
            got = mapops.objective_of(target, z, targets, objective)
            torch.testing.assert_close(got, _reference(tiny_model, x, name, targets, objective),
                                       atol=1e-5, rtol=1e-5)


def test_render_reaches_higher_activation_than_the_data(trained_run, synthetic_small):
    lm = hm.render_layer(trained_run, "conv2d_2", steps=STEPS, cache=False)
    model = trained_run.load_model()
    assert [m.index for m in lm.maps] == list(range(32)) and lm.kind == "conv2d"
    assert lm.settings["complete"] and lm.settings["steps"] == STEPS
    for m in lm.maps:
        assert m.image.shape == (30, 32) and m.image.dtype == np.float32
        assert 0.0 <= m.image.min() and m.image.max() <= 1.0
        assert m.loss_curve.shape == (STEPS,)
    # The activation reported is the real one of the final image, in float32.
    imgs = torch.from_numpy(np.stack([m.image for m in lm.maps])).unsqueeze(1)
    with torch.no_grad():
        real = model.forward_to(normalize(imgs), "conv2d_2")[torch.arange(32), torch.arange(32)].mean((1, 2))
    np.testing.assert_allclose([m.activation for m in lm.maps], real.numpy(), atol=1e-4)
    with torch.no_grad():
        data = model.forward_to(normalize(torch.from_numpy(synthetic_small.images[:64]).unsqueeze(1)),
                                "conv2d_2").mean((2, 3))
    live = [m.index for m in lm.maps if not m.dead]
    assert len(live) >= 8
    # After only 32 steps most maps already beat the best of 64 real faces for their filter.
    better = [lm.maps[f].activation > float(data[:, f].max()) for f in live]
    assert np.mean(better) > 0.6
    assert np.mean([lm.maps[f].activation for f in live]) > float(data[:, live].max(0).values.mean())


def test_decision_layer_maximises_the_logit_not_the_softmax(trained_run):
    lm = hm.render_layer(trained_run, "dense_3", steps=STEPS, cache=False)
    model = trained_run.load_model()
    best = max(lm.maps, key=lambda m: m.activation)
    img = torch.from_numpy(best.image)[None, None]
    with torch.no_grad():
        logits = model(normalize(img))[0]
    assert best.activation == pytest.approx(float(logits[best.index]), abs=1e-4)
    assert best.loss_curve[-1] < best.loss_curve[0]
    # With a sharper output layer the logit climbs where no probability could follow.
    with torch.no_grad():
        model.layer("dense_3").op.weight *= 20
    sharp = hm.render_layer(model, "dense_3", steps=STEPS)
    assert max(m.activation for m in sharp.maps) > 2.0


def test_one_filter_alone_equals_it_in_the_full_batched_render(tiny_model):
    full = hm.render_layer(tiny_model, "conv2d_3", steps=STEPS, chunk=16)
    alone = hm.render_layer(tiny_model, "conv2d_3", filters=[5], steps=STEPS)
    assert [m.index for m in alone.maps] == [5]
    # bf16 convolutions may round differently per batch size: equal to well under 1%.
    diff = np.abs(alone.maps[0].image - full.maps[5].image)
    assert diff.max() < 0.01 and diff.mean() < 1e-3
    again = hm.render_layer(tiny_model, "conv2d_3", filters=[5], steps=STEPS)
    np.testing.assert_array_equal(again.maps[0].image, alone.maps[0].image)
    other_seed = hm.render_layer(tiny_model, "conv2d_3", filters=[5], steps=STEPS, seed=1)
    assert np.abs(other_seed.maps[0].image - alone.maps[0].image).max() > 1e-3


def test_previews_progress_and_the_callers_model_untouched(tiny_model):
    tiny_model.train()
    rec = RecordingReporter()
    lm = hm.render_layer(tiny_model, "dense_1", steps=STEPS, reporter=rec, chunk=40)
    previews = rec.of_kind("preview")
    # Two chunks (40 + 24 units), each previews at 16 and 32, then its final images.
    assert [p["step"] for p in previews] == [16, 32, 32, 16, 32, 32]
    assert [p["final"] for p in previews] == [False, False, True] * 2
    assert previews[0]["indices"] == list(range(40)) and previews[3]["indices"] == list(range(40, 64))
    assert previews[0]["images"].shape == (40, 30, 32) and previews[0]["images"].dtype == np.float32
    progress = rec.of_kind("progress")
    assert progress[-1]["done"] == progress[-1]["total"] == 2 * STEPS
    assert len(lm.maps) == 64
    assert tiny_model.training
    assert all(p.requires_grad for p in tiny_model.parameters())
    assert tiny_model.layer("conv2d_1").op.weight.is_contiguous()


def test_stop_returns_partial_maps_and_caches_nothing(trained_run):
    rec = RecordingReporter(stop_after=("preview", 1))
    lm = hm.render_layer(trained_run, "conv2d_1", steps=200, reporter=rec)
    assert lm.settings["complete"] is False
    assert len(lm.maps) == 32
    assert 16 <= len(lm.maps[0].loss_curve) <= 18
    assert not (trained_run.cache_dir / "happymaps").exists() or not any(
        (trained_run.cache_dir / "happymaps").glob("conv2d_1-*"))


def test_dead_filter_is_flagged_and_counted(tiny_spec):
    model = build_model(tiny_spec, seed=0)
    with torch.no_grad():
        model.layer("conv2d_2").op.weight[7] = 0.0
        model.layer("conv2d_2").op.bias[7] = -0.5
    lm = hm.render_layer(model, "conv2d_2", filters=[6, 7], steps=16)
    dead = {m.index: m.dead_reason for m in lm.maps}
    assert dead[7].startswith("never responds")
    assert lm.summary() == f"{lm.dead_count} of 2 filters dead" and lm.dead_count >= 1


def test_bad_requests_are_clear_errors(tiny_model, tmp_path):
    with pytest.raises(FaceVizError, match="no layer 'conv9'.*conv2d_1"):
        hm.render_layer(tiny_model, "conv9", steps=2)
    with pytest.raises(FaceVizError, match="max_pooling2d"):
        hm.render_layer(tiny_model, "max_pooling2d_1", steps=2)
    with pytest.raises(FaceVizError, match="32 filters"):
        hm.render_layer(tiny_model, "conv2d_1", filters=[32], steps=2)
    with pytest.raises(FaceVizError, match="objective"):
        hm.render_layer(tiny_model, "conv2d_1", objective="pixels", steps=2)


def test_first_layer_maps_show_patterns_not_just_brightness(trained_run):
    lm = hm.render_layer(trained_run, "conv2d_1", steps=STEPS, cache=False)
    # A flat map has no edges: the mean absolute difference of neighbours would be ~0.
    edges = [np.abs(np.diff(m.image, axis=1)).mean() for m in lm.maps if not m.dead]
    assert len(edges) >= 16 and np.median(edges) > 0.01
