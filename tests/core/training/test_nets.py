"""build_model: Keras-style names, shapes, pre-activations, reproducible initial weights."""
from __future__ import annotations

import torch

from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.specs import find_spec


def test_experiment0_layers_and_shapes():
    model = build_model(find_spec("experiment0"))
    assert model.layer_names == [
        "conv2d_1", "max_pooling2d_1", "conv2d_2", "max_pooling2d_2", "conv2d_3",
        "max_pooling2d_3", "flatten_1", "dense_1", "dense_2", "dense_3"]
    info = {i.name: i for i in model.layer_info()}
    assert info["conv2d_1"].output_shape == (32, 58, 62)
    assert info["dense_3"].output_shape == (2,) and info["dense_3"].activation == "softmax"
    assert info["conv2d_3"].units == 64
    assert sum(i.params for i in info.values()) == model.param_count()
    assert model.input_size == (60, 64)


def test_forward_forward_to_and_activations_agree():
    model = build_model(find_spec("experiment0").copy(scale=4), seed=1).eval()
    x = torch.randn(3, 1, 30, 32)
    logits = model(x)
    assert logits.shape == (3, 2)
    assert torch.allclose(model.forward_to(x, "dense_3"), logits)
    pre = model.forward_to(x, "conv2d_2", pre_activation=True)
    post = model.forward_to(x, "conv2d_2", pre_activation=False)
    assert (pre < 0).any() and torch.equal(post, torch.relu(pre))
    acts = model.activations(x, ["conv2d_2", "dense_3"], pre_activation=True)
    assert torch.allclose(acts["conv2d_2"], pre) and torch.allclose(acts["dense_3"], logits)
    assert torch.allclose(model.probabilities(logits).sum(1), torch.ones(3))


def test_no_in_place_relu_and_linear_output():
    model = build_model(find_spec("ex1-6"))
    assert not any(getattr(m, "inplace", False) for m in model.modules())
    out = torch.tensor([[2.0, -1.0]])
    assert torch.equal(model.probabilities(out), out)  # linear: raw outputs


def test_seed_makes_initial_weights_reproducible():
    spec = find_spec("ex1-1")
    a, b, c = build_model(spec, seed=3), build_model(spec, seed=3), build_model(spec, seed=4)
    for (k, va), vb, _vc in zip(a.state_dict().items(), b.state_dict().values(),
                              c.state_dict().values()):
        assert torch.equal(va, vb), k
    assert not all(torch.equal(va, vc) for va, vc in zip(a.state_dict().values(),
                                                          c.state_dict().values()))


def test_every_blog_experiment_builds_at_every_scale():
    for name in ("experiment0", "ex1-1", "ex1-2", "ex1-3", "ex1-4", "ex1-5", "ex1-6"):
        spec = find_spec(name)
        for scale in (1, 2, 4):
            model = build_model(spec.copy(scale=scale))
            h, w = model.input_size
            assert model(torch.zeros(1, 1, h, w)).shape == (1, len(spec.classes))
