"""Surgery: smaller layers, the right weights carried over, flatten indices, mean replacement."""
from __future__ import annotations

import pytest
import torch

from faceviz_gui.core.prune.surgery import PruneError, linear_part, prunable_layers, shrink
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.specs import find_spec


@pytest.fixture()
def net():
    spec = find_spec("experiment0").copy(scale=4)
    return spec, build_model(spec, seed=1).eval()


def test_no_removal_is_the_same_network(net):
    spec, model = net
    new_spec, small = shrink(model, spec, {})
    x = torch.randn(5, 1, *spec.input_size)
    with torch.no_grad():
        assert torch.equal(small(x), model(x))
    assert new_spec.layers[0].filters == 32


def test_removed_units_are_gone_and_kept_weights_copied(net):
    spec, model = net
    removed = {"conv2d_1": [0, 5], "conv2d_3": [1, 2, 63], "dense_1": [10], "dense_2": [0]}
    new_spec, small = shrink(model, spec, removed)
    widths = {l.name: linear_part(l).weight.shape[0] for l in small.layers if l.kind in ("conv2d", "dense")}
    assert widths == {"conv2d_1": 30, "conv2d_2": 32, "conv2d_3": 61, "dense_1": 63, "dense_2": 63,
                      "dense_3": 2}
    assert [l.filters for l in new_spec.layers if l.type == "conv2d"] == [30, 32, 61]
    big2, small2 = linear_part(model.layer("conv2d_2")), linear_part(small.layer("conv2d_2"))
    kept_in = [i for i in range(32) if i not in (0, 5)]
    assert torch.equal(small2.weight, big2.weight[:, kept_in])
    # flatten: conv2d_3's channel c fills c*H*W .. c*H*W + H*W - 1 of dense_1's input
    (c, h, w) = [i.output_shape for i in model.layer_info() if i.name == "max_pooling2d_3"][0]
    big_d, small_d = linear_part(model.layer("dense_1")), linear_part(small.layer("dense_1"))
    kept_c = [i for i in range(c) if i not in (1, 2, 63)]
    cols = torch.tensor([k * h * w + p for k in kept_c for p in range(h * w)])
    rows = [i for i in range(64) if i != 10]
    assert torch.equal(small_d.weight, big_d.weight[rows][:, cols])
    assert small.param_count() < model.param_count()


def test_zeroed_units_removed_plainly_change_nothing(net):
    """Units whose outgoing weights are zero contribute nothing: the pruned net is exact."""
    spec, model = net
    with torch.no_grad():
        linear_part(model.layer("conv2d_3")).weight[:, 4] = 0     # conv2d_2's unit 4 unread
        linear_part(model.layer("dense_2")).weight[:, 7] = 0      # dense_1's unit 7 unread
    _, small = shrink(model, spec, {"conv2d_2": [4], "dense_1": [7]})
    x = torch.randn(6, 1, *spec.input_size)
    with torch.no_grad():
        assert torch.allclose(small(x), model(x), atol=1e-5)


def test_mean_replacement_keeps_a_constant_unit_exactly(net):
    """A unit stuck at a constant (zero weights, positive bias) is folded into the bias of
    the layer reading it: across the flatten (conv2d_3 -> dense_1) and dense to dense."""
    spec, model = net
    with torch.no_grad():
        conv = linear_part(model.layer("conv2d_3"))
        conv.weight[9] = 0
        conv.bias[9] = 0.7
        dense = linear_part(model.layer("dense_1"))
        dense.weight[3] = 0
        dense.bias[3] = 0.4
    from faceviz_gui.core.prune.activity import measure
    images = torch.rand(16, *spec.input_size).numpy()
    act = measure(model, images)
    removed = {"conv2d_3": [9], "dense_1": [3]}
    _, plain = shrink(model, spec, removed)
    _, filled = shrink(model, spec, removed, act.means)
    x = torch.randn(6, 1, *spec.input_size)
    with torch.no_grad():
        want = model(x)
        assert torch.allclose(filled(x), want, atol=1e-4)
        assert not torch.allclose(plain(x), want, atol=1e-3)


def test_bad_requests(net):
    spec, model = net
    assert "dense_3" not in prunable_layers(model)
    for removed, message in [({"dense_3": [0]}, "cannot be pruned"),
                             ({"conv2d_1": [32]}, "no unit 32"),
                             ({"dense_2": list(range(64))}, "every unit")]:
        with pytest.raises(PruneError, match=message):
            shrink(model, spec, removed)
