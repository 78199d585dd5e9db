"""Transfer: start from another run's weights with named layers frozen."""
from __future__ import annotations

import pytest
import torch

from faceviz_gui.core.errors import SpecError
from faceviz_gui.core.training.fit import fit
from faceviz_gui.core.training.runs import create_run, list_runs
from faceviz_gui.core.training.specs import find_spec


@pytest.fixture(scope="module")
def donor(tmp_path_factory, synthetic_small):
    spec = find_spec("experiment0").copy(scale=4)
    spec.train.epochs = 1
    return fit(spec, synthetic_small, runs_root=tmp_path_factory.mktemp("donor"),
               device="cpu").run


def layer_weights(state, index):
    return {k: v for k, v in state.items() if k.split(".")[1] == str(index)}


def test_matching_layers_load_and_frozen_ones_stay(tmp_path, synthetic_small, donor):
    spec = find_spec("ex1-4").copy(scale=4)  # four classes: the decision layer cannot match
    spec.train.epochs = 1
    spec.transfer.from_run = str(donor.path)
    spec.transfer.freeze = ["conv2d_1", "conv2d_2", "conv2d_3"]
    result = fit(spec, synthetic_small, runs_root=tmp_path, device="cpu")
    assert result.run.status["transferred"] == [
        "conv2d_1", "conv2d_2", "conv2d_3", "dense_1", "dense_2"]
    before, after = donor.state_dict(), result.run.state_dict()
    for i in (0, 2, 4):  # conv2d_1..3 sit at layers 0, 2, 4: frozen, unchanged
        for k, v in layer_weights(before, i).items():
            assert torch.equal(after[k], v), k
    for k, v in layer_weights(before, 7).items():  # dense_1: loaded, then trained
        assert not torch.equal(after[k], v)


def test_a_frozen_name_that_is_no_layer(tmp_path, synthetic_small, donor):
    spec = find_spec("experiment0").copy(scale=4)
    spec.transfer.from_run = donor.id
    spec.transfer.freeze = ["conv2d_9"]
    with pytest.raises(SpecError) as info:
        fit(spec, synthetic_small, runs_root=donor.path.parent, device="cpu")
    assert info.value.field == "transfer.freeze" and "conv2d_9" in str(info.value)


def test_a_donor_without_weights_or_unknown(tmp_path, synthetic_small):
    spec = find_spec("experiment0").copy(scale=4)
    empty = create_run(spec, tmp_path)
    spec.transfer.from_run = empty.id
    with pytest.raises(SpecError, match="no weights") as info:
        fit(spec, synthetic_small, runs_root=tmp_path, device="cpu")
    assert info.value.field == "transfer.from_run"
    spec.transfer.from_run = "no-such-run"
    with pytest.raises(SpecError, match="no run"):
        fit(spec, synthetic_small, runs_root=tmp_path, device="cpu")
    assert len(list_runs(tmp_path)) == 1  # only the empty donor: errors come before a run


def test_freezing_everything_is_refused(tmp_path, synthetic_small):
    spec = find_spec("ex1-5").copy(scale=4)
    spec.transfer.freeze = ["conv2d_1", "conv2d_2", "conv2d_3", "dense_1"]
    with pytest.raises(SpecError, match="nothing left to train"):
        fit(spec, synthetic_small, runs_root=tmp_path, device="cpu")
