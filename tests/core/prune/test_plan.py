"""Plans: which units go and why, the parameter target, the per-layer floor."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from faceviz_gui.core.prune.activity import measure
from faceviz_gui.core.prune.plan import MIN_KEEP, ParamCounter, make_plan
from faceviz_gui.core.prune.surgery import PruneError, linear_part, shrink
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.specs import find_spec


@pytest.fixture()
def net():
    spec = find_spec("experiment0").copy(scale=4)
    return spec, build_model(spec, seed=2).eval()


@pytest.fixture()
def images(net):
    return np.random.default_rng(0).random((48, *net[0].input_size), dtype=np.float32)


@pytest.mark.parametrize("name", ["experiment0", "ex1-2", "ex1-5"])
def test_param_counter_matches_the_built_network(name):
    spec = find_spec(name).copy(scale=4)
    model = build_model(spec)
    assert ParamCounter(model).count({}) == model.param_count()


@pytest.mark.parametrize("method", ["redundant", "magnitude"])
def test_amount_is_a_parameter_target_and_surgery_agrees(net, images, method):
    spec, model = net
    act = measure(model, images)
    plan = make_plan(model, method, 0.4, act, multiple=1)
    assert plan.params_after <= 0.6 * plan.params_before
    assert plan.params_after > 0.5 * plan.params_before      # stops once the target is met
    _, small = shrink(model, spec, plan.removed)
    assert small.param_count() == plan.params_after
    for layer, n in plan.widths_after.items():
        assert n >= MIN_KEEP * plan.widths_before[layer]
    assert all(r.reason for r in plan.removals)


def test_conv_layers_keep_multiples_of_eight(net, images):
    _, model = net
    plan = make_plan(model, "redundant", 0.4, measure(model, images))
    assert plan.params_after <= 0.6 * plan.params_before
    convs = {k: v for k, v in plan.widths_after.items() if k.startswith("conv2d")}
    assert all(v % 8 == 0 for v in convs.values()), convs
    extra = [r for r in plan.removals if "multiple of 8" in r.reason]
    assert all(r.layer.startswith("conv2d") for r in extra)


def test_redundant_finds_a_duplicated_unit(net, images):
    spec, model = net
    with torch.no_grad():      # dense_2's unit 5 becomes a copy of unit 9
        d = linear_part(model.layer("dense_2"))
        d.weight[5] = d.weight[9]
        d.bias[5] = d.bias[9]
    act = measure(model, images)
    assert act.correlation("dense_2")[5, 9] == pytest.approx(1.0)
    plan = make_plan(model, "redundant", 0.3, act)
    dup = [r for r in plan.removals if r.layer == "dense_2" and r.unit in (5, 9)]
    assert len(dup) == 1 and "duplicates unit" in dup[0].reason      # one of the pair stays
    assert dup[0].cost == pytest.approx(0.0, abs=1e-6)


def test_magnitude_takes_the_weakest_units_first(net, images):
    spec, model = net
    with torch.no_grad():
        linear_part(model.layer("conv2d_2")).weight[[3, 8]] *= 0.01
    plan = make_plan(model, "magnitude", 0.05)        # no activity: weights alone
    assert {3, 8} <= set(plan.removed.get("conv2d_2", []))
    first = [r for r in plan.removals if r.layer == "conv2d_2"][:2]
    assert all("mean norm" in r.reason for r in first)


def test_dead_removes_flagged_and_silent_units_only(net, images):
    spec, model = net
    with torch.no_grad():      # conv2d_1's unit 2 never fires: silent on every image
        c = linear_part(model.layer("conv2d_1"))
        c.weight[2] = 0
        c.bias[2] = -1
    act = measure(model, images)
    plan = make_plan(model, "dead", None, act, dead={"dense_1": {7: "flat map"}})
    assert plan.removed.get("conv2d_1") == [2] and 7 in plan.removed.get("dense_1", [])
    reasons = {(r.layer, r.unit): r.reason for r in plan.removals}
    assert "silent" in reasons[("conv2d_1", 2)] and "flat map" in reasons[("dense_1", 7)]
    silent = {(layer, int(u)) for layer in act.features for u in act.silent(layer)}
    assert set(reasons) <= silent | {("dense_1", 7)}      # nothing else goes


def test_bad_plans(net):
    _, model = net
    with pytest.raises(PruneError, match="unknown pruning method"):
        make_plan(model, "random", 0.3)
    with pytest.raises(PruneError, match="between 0 and 1"):
        make_plan(model, "magnitude", 1.5)
