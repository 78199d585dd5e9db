"""[data] synthetic_people: synthetic people in the training split only; 0 changes nothing."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from stop_after import StopAfter

from faceviz_gui.core.errors import SpecError
from faceviz_gui.core.tasks import RecordingReporter
from faceviz_gui.core.training.fit import fit, resume
from faceviz_gui.core.training.specs import find_spec, from_dict
from faceviz_gui.core.training.synthetic_mix import with_synthetic


def spec_with(n: int, epochs: int = 2):
    spec = find_spec("experiment0").copy(scale=4)
    spec.train.epochs = epochs
    spec.split.kind, spec.split.people = "people", ["syn02", "syn05"]
    spec.data.synthetic_people = n
    return spec


def test_the_field_is_optional_saved_only_when_set_and_checked():
    shipped = find_spec("ex1-4")
    assert shipped.data.synthetic_people == 0
    assert "data" not in shipped.to_dict()  # old specs and run folders save as before
    assert find_spec("ex2-pose").to_dict()["data"] == {"synthetic_people": 60, "synthetic_epochs": 30}
    mixed = spec_with(3)
    again = from_dict(mixed.to_dict())
    assert mixed.to_dict()["data"] == {"synthetic_people": 3}
    assert again.data.synthetic_people == 3
    for bad in (-1, 201, True, 2.5):
        d = mixed.to_dict()
        d["data"] = {"synthetic_people": bad}
        with pytest.raises(SpecError, match="data.synthetic_people"):
            from_dict(d)


def test_synthetic_people_are_appended_under_names_of_their_own(synthetic_small):
    spec = spec_with(0)
    assert with_synthetic(synthetic_small, spec) is synthetic_small
    spec.data.synthetic_people = 2
    mixed = with_synthetic(synthetic_small, spec)
    n = len(synthetic_small)
    assert len(mixed) == n + 64 and mixed.size == synthetic_small.size
    assert mixed.records[:n] == synthetic_small.records
    assert np.array_equal(mixed.images[:n], synthetic_small.images)
    assert {r.person for r in mixed.records[n:]} == {"synmix01", "synmix02"}
    assert all(r.path.startswith(r.person + "/" + r.person + "_") for r in mixed.records[n:])
    assert len({r.path for r in mixed.records}) == len(mixed)  # no clash with syn01...
    again = with_synthetic(synthetic_small, spec)  # drawn from the seed: the same images
    assert np.array_equal(again.images, mixed.images)
    assert with_synthetic(mixed, spec) is mixed  # never added twice


def test_they_go_to_training_only_and_val_and_test_stay_as_without(tmp_path, synthetic_small):
    plain = fit(spec_with(0), synthetic_small, runs_root=tmp_path / "a", device="cpu").run
    mixed = fit(spec_with(2), synthetic_small, runs_root=tmp_path / "b", device="cpu").run
    a, b = plain.split, mixed.split
    assert a["val"] == b["val"] and a["test"] == b["test"]
    added = b["train"][len(a["train"]):]
    assert b["train"][:len(a["train"])] == a["train"] and len(added) == 64
    assert {p.split("/")[0] for p in added} == {"synmix01", "synmix02"}
    assert not any("synmix" in p for p in b["val"] + b["test"])
    assert mixed.status["n_images"]["train"] == len(b["train"])
    assert set(mixed.evaluation()["per_person"]) == {"syn02", "syn05"}
    assert mixed.spec.data.synthetic_people == 2  # recorded in the run's spec
    # Diagnose and pruning rebuild the training split from the run's source: redrawn too
    from faceviz_gui.core.diagnose.inputs import run_images
    from faceviz_gui.core.prune.prune_job import prepare
    train_images, _ = run_images(mixed, n_train=len(b["train"]))
    assert len(train_images.images) == len(b["train"])
    assert len(prepare(mixed).split["train"]) == len(b["train"])


def test_zero_trains_exactly_as_a_spec_without_the_field(tmp_path, synthetic_small):
    spec = spec_with(0)
    old = from_dict({k: v for k, v in spec.to_dict().items() if k != "data"})
    assert spec.to_toml() == old.to_toml()
    one = fit(spec, synthetic_small, runs_root=tmp_path / "a", device="cpu").run
    two = fit(old, synthetic_small, runs_root=tmp_path / "b", device="cpu").run
    assert one.split == two.split
    x, y = one.state_dict(), two.state_dict()
    assert all(torch.equal(x[k], y[k]) for k in x)


def test_resume_redraws_them_and_ends_as_an_uninterrupted_run(tmp_path, synthetic_small):
    spec = spec_with(1, epochs=2)
    whole = fit(spec, synthetic_small, runs_root=tmp_path / "a", device="cpu").run
    stopped = fit(spec, synthetic_small, StopAfter(5), runs_root=tmp_path / "b", device="cpu")
    assert stopped.stopped
    done = resume(stopped.run, synthetic_small, device="cpu")  # data given without them
    assert done.state == "done"
    x, y = whole.state_dict(), done.run.state_dict()
    assert all(torch.equal(x[k], y[k]) for k in x)


@pytest.mark.parametrize("stop_after", [5, 16])  # in a mixed epoch; in the finishing one
def test_resume_within_the_finishing_epochs_ends_as_an_uninterrupted_run(tmp_path,
                                                                         synthetic_small,
                                                                         stop_after):
    spec = spec_with(1, epochs=3)
    spec.data.synthetic_epochs, spec.train.finish_learning_rate = 2, 0.0004
    whole = fit(spec, synthetic_small, runs_root=tmp_path / "a", device="cpu").run
    stopped = fit(spec, synthetic_small, StopAfter(stop_after), runs_root=tmp_path / "b",
                  device="cpu")
    assert stopped.stopped
    assert stopped.run.status["epoch"] == (0 if stop_after == 5 else 2)  # epochs finished
    done = resume(stopped.run, synthetic_small, device="cpu")
    x, y = whole.state_dict(), done.run.state_dict()
    assert all(torch.equal(x[k], y[k]) for k in x)


def test_varied_turns_redraw_only_the_turned_and_lifted_shots():
    spec = spec_with(2)
    assert "synthetic_turns" not in spec.to_toml()  # "cmu", the default, is not written
    spec.data.synthetic_turns = "varied"
    assert from_dict(spec.to_dict()).data.synthetic_turns == "varied"
    d = spec.to_dict()
    d["data"]["synthetic_turns"] = "sideways"
    with pytest.raises(SpecError, match="data.synthetic_turns"):
        from_dict(d)
    from faceviz_gui.core.data.synth import synthetic_faceset
    full, varied = synthetic_faceset(4, 2, 0), synthetic_faceset(4, 2, 0, turns="varied")
    for a, b, r in zip(full.images, varied.images, full.records):
        assert np.array_equal(a, b) == (r.pose == "straight"), r.path
    again = synthetic_faceset(4, 2, 0, turns="varied")
    assert np.array_equal(again.images, varied.images)  # drawn from the seed


def test_finishing_epochs_train_on_the_loaded_images_alone_at_their_own_rate(synthetic_small,
                                                                            tmp_path):
    from faceviz_gui.core.training.loop import finishing, learning_rate_at
    spec = spec_with(3, epochs=3)
    assert "synthetic_epochs" not in spec.to_toml() and "finish_learning" not in spec.to_toml()
    spec.data.synthetic_epochs, spec.train.finish_learning_rate = 2, 0.0004
    again = from_dict(spec.to_dict())
    assert (again.data.synthetic_epochs, again.train.finish_learning_rate) == (2, 0.0004)
    assert [finishing(spec, e) for e in range(3)] == [False, False, True]
    assert [learning_rate_at(spec, e) for e in range(3)] == [0.001, 0.001, 0.0004]
    for bad in ({"data": {"synthetic_epochs": -1}}, {"data": {"synthetic_people": 0,
                                                              "synthetic_epochs": 2}}):
        d = spec.to_dict()
        d["data"].update(bad["data"])
        with pytest.raises(SpecError, match="data.synthetic_epochs"):
            from_dict(d)
    # Count the images each epoch trains on: a global forward hook on the network (training
    # mode: a batch; eval mode: the end-of-epoch validation, which closes the epoch).
    from faceviz_gui.core.training.nets import FaceNet
    epochs_seen, rows = [], [0]

    def count(module, args):
        if isinstance(module, FaceNet):
            if module.training:
                rows[0] += args[0].shape[0]
            elif rows[0]:
                epochs_seen.append(rows[0])
                rows[0] = 0
    handle = torch.nn.modules.module.register_module_forward_pre_hook(count)
    rep = RecordingReporter()
    try:
        result = fit(spec, synthetic_small, rep, runs_root=tmp_path, device="cpu")
    finally:
        handle.remove()
    n = result.run.status["n_images"]
    assert epochs_seen == [n["train"], n["train"], n["train"] - 3 * 32]  # 3 people's 32 shots
    # progress counts the run's batches, the shorter last epoch included
    per_epoch = [-(-rows // 32) for rows in epochs_seen]
    assert rep.of_kind("batch")
    for r in rep.of_kind("batch"):
        assert r["steps"] == sum(per_epoch) and r["batches"] == per_epoch[r["epoch"] - 1]
        assert r["step"] == sum(per_epoch[:r["epoch"] - 1]) + r["batch"]
