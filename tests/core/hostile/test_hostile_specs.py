"""Hostile specs (classes 7, 8 and 9 of the adversarial round).

7: wrong types, a file that is not UTF-8, and sizes no desktop can hold are one line naming
   the field; a network too big is refused with its parameter count, before allocation; a
   bad user spec shows as INVALID in `list`.
8: names with NUL or 300 characters, a negative seed, a nan learning rate: refused up front.
9: a loss that stops being finite fails the run with the reason, keeping the last finite
   checkpoint, instead of reporting "done".
"""
from __future__ import annotations

import json
import math

import pytest
import torch

from faceviz_gui.core.training import checkpoint
from faceviz_gui.core.training.fit import fit, resume
from faceviz_gui.core.training.loop import TrainingDiverged
from faceviz_gui.core.training.runs import Run
from faceviz_gui.core.training.specs import find_spec

BASE = find_spec("experiment0").copy(scale=4).to_toml()


def _spec(tmp_path, old: str, new: str, name="bad.toml") -> str:
    assert old in BASE, old
    path = tmp_path / name
    path.write_text(BASE.replace(old, new))
    return str(path)


HOSTILE = {  # what to change, and the field the message must name
    "name a number": ('name = "experiment0"', "name = 5", "name"),
    "huge filters": ("filters = 32", "filters = 1000000000", "layers[0].filters"),
    "units a float": ("units = 64", "units = 2e9", "units"),
    "huge kernel": ('kernel = 3, padding = "valid"', 'kernel = 100000, padding = "same"',
                    "layers[0].kernel"),
    "too many parameters": ("filters = 32", "filters = 4096", "parameters"),
    "NUL in the name": ('name = "experiment0"', 'name = "a\\u0000b"', "NUL"),
    "300-char name": ('name = "experiment0"', f'name = "{"x" * 300}"', "too long"),
    "negative seed": ("seed = 0", "seed = -1", "train.seed"),
    "nan learning rate": ("learning_rate = 0.001", "learning_rate = nan", "train.learning_rate"),
    "inf learning rate": ("learning_rate = 0.001", "learning_rate = inf", "train.learning_rate"),
    "nan dropout-free shift": ("shift = 0.0", "shift = nan", "augment.shift"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_class7_class8_show_and_train_refuse_in_one_line(refused, tmp_path, case):
    old, new, words = HOSTILE[case]
    path = _spec(tmp_path, old, new)
    refused("show", path, words=(words,))
    refused("train", path, "--data", "synthetic", "--runs", tmp_path / "runs", words=(words,))
    assert not (tmp_path / "runs").exists()


def test_class7_parameter_count_is_named_before_allocation(refused, tmp_path):
    path = _spec(tmp_path, "units = 64", "units = 1000000")
    err = refused("show", path, words=("parameters",))
    assert "limit 50,000,000" in err and "would have" in err


def test_class7_spec_that_is_not_utf8(refused, tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(BASE.replace('description = ""', 'description = "caf\xe9"')
                     .encode("latin-1") + b'\n# \xff\n')
    refused("show", path, words=("UTF-8",))


def test_class7_list_shows_bad_user_specs_as_invalid(cli, tmp_path, faceviz_home):
    user = faceviz_home / "experiments"
    user.mkdir(parents=True)
    (user / "latin1.toml").write_bytes(b'name = "caf\xe9"\n')
    (user / "nameless.toml").write_text(BASE.replace('name = "experiment0"', "name = 5"))
    (user / "huge.toml").write_text(BASE.replace("filters = 32", "filters = 1000000000", 1))
    rc, out, err = cli("list")
    assert rc == 0, err
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    for name in ("latin1", "nameless", "huge"):
        assert "INVALID" in rows[name], out
    assert "INVALID" not in rows["experiment0"]


def _diverging_spec():
    spec = find_spec("experiment0").copy(scale=4)
    spec.train.epochs = 3
    spec.train.learning_rate = 1e30  # finite, valid, and far too large: Adam blows up at once
    return spec


def test_class9_a_diverged_run_fails_with_the_reason(cli, tmp_path, synthetic_small):
    with pytest.raises(TrainingDiverged, match="diverged") as caught:
        fit(_diverging_spec(), synthetic_small, runs_root=tmp_path, device="cpu")
    (path,) = tmp_path.iterdir()
    status = Run(path).status
    assert status["state"] == "failed" and "diverged" in status["error"]
    assert "\n" not in str(caught.value)
    assert not (path / "eval.json").exists()  # never "done" with a score


class PoisonAfter:
    """Reporter that stops after one epoch (6 batches of 179 images)."""

    def __init__(self, polls):
        self.left = polls

    def report(self, **values):
        pass

    def should_stop(self):
        self.left -= 1
        return self.left < 0


def test_class9_the_last_finite_checkpoint_is_kept(tmp_path, synthetic_small):
    spec = find_spec("experiment0").copy(scale=4)
    spec.train.epochs = 3
    run = fit(spec, synthetic_small, PoisonAfter(6), runs_root=tmp_path, device="cpu").run
    before = checkpoint.load(run.path)
    assert before.progress.epoch == 1 and before.progress.batch == 0
    poisoned = synthetic_small.subset(list(range(len(synthetic_small))))
    poisoned.images[:] = math.inf  # every image: the next epoch's loss cannot stay finite
    with pytest.raises(TrainingDiverged, match="epoch 1 is kept"):
        resume(run, poisoned, device="cpu")
    after = checkpoint.load(run.path)
    assert after.progress.epoch == 1
    assert all(torch.isfinite(v).all() for v in after.model.values())
    weights = Run(run.path).state_dict()
    assert all(torch.isfinite(v).all() for v in weights.values())
    assert json.loads((run.path / "status.json").read_text())["state"] == "failed"


def test_class9_cli_says_so_in_one_line(refused, tmp_path):
    path = _spec(tmp_path, "learning_rate = 0.001", "learning_rate = 1e30")
    from faceviz_gui.core.data.synth import write_synthetic
    data = write_synthetic(tmp_path / "faces", n_people=3, seed=0)
    refused("train", path, "--data", data, "--runs", tmp_path / "runs", "--epochs", "2",
            words=("diverged",), allowed=[tmp_path / "runs"], progress=True)
