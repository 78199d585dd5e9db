"""Stop and resume: a stopped run continues exactly where it stopped (bit-for-bit on CPU)."""
from __future__ import annotations

import pytest
import torch
from stop_after import StopAfter

from faceviz_gui.core.errors import RunError
from faceviz_gui.core.tasks import RecordingReporter
from faceviz_gui.core.training import checkpoint
from faceviz_gui.core.training.fit import fit, resume
from faceviz_gui.core.training.specs import find_spec


def spec3(**augment):
    spec = find_spec("experiment0").copy(scale=4)
    spec.train.epochs = 3
    for k, v in augment.items():
        setattr(spec.augment, k, v)
    return spec


@pytest.mark.parametrize("polls", [9, 12])  # mid-epoch, and right at an epoch boundary
def test_stop_then_resume_equals_an_uninterrupted_run(tmp_path, synthetic_small, polls):
    spec = spec3(flip=True, shift=0.05)
    batches = -(-round(len(synthetic_small) * 0.7) // spec.train.batch_size)
    assert batches == 6  # 179 training images in batches of 32: the boundary case is 12
    whole = fit(spec, synthetic_small, runs_root=tmp_path / "a", device="cpu").run

    stopped = fit(spec, synthetic_small, StopAfter(polls), runs_root=tmp_path / "b", device="cpu")
    assert stopped.stopped and stopped.run.state == "stopped"
    assert len(stopped.history) == polls // batches
    assert stopped.evaluation is None and stopped.run.evaluation() is None
    ckpt = checkpoint.load(stopped.run.path)
    assert (ckpt.progress.epoch, ckpt.progress.batch) == divmod(polls, batches)
    assert stopped.run.has_weights  # a stopped run can be browsed

    rep = RecordingReporter()
    done = resume(stopped.run, synthetic_small, rep, device="cpu")
    assert done.run.path == stopped.run.path and done.state == "done"
    assert [h["epoch"] for h in done.history] == [1, 2, 3]
    assert rep.of_kind("epoch")[0]["epoch"] == polls // batches + 1
    a, b = whole.state_dict(), done.run.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert done.run.metrics() == [dict(h) for h in done.history]
    for mine, theirs in zip(done.history, whole.metrics()):  # the split epoch sums up right
        assert (mine["loss"], mine["acc"]) == pytest.approx((theirs["loss"], theirs["acc"]))


def test_resume_reloads_the_data_source_when_not_given(tmp_path, synthetic_small):
    # the run records source "synthetic"; resume rebuilds the split by path from a fresh load
    stopped = fit(spec3(), synthetic_small, StopAfter(4), runs_root=tmp_path, device="cpu")
    done = resume(stopped.run.id, runs_root=tmp_path, device="cpu")
    assert done.run.state == "done" and done.run.evaluation()["n"] == len(stopped.run.split["test"])


def test_a_finished_run_does_not_resume(tmp_path, synthetic_small):
    spec = spec3()
    spec.train.epochs = 1
    run = fit(spec, synthetic_small, runs_root=tmp_path, device="cpu").run
    with pytest.raises(RunError, match="finished"):
        resume(run, synthetic_small, device="cpu")


def test_a_damaged_checkpoint_is_a_clear_error(tmp_path, synthetic_small):
    run = fit(spec3(), synthetic_small, StopAfter(3), runs_root=tmp_path, device="cpu").run
    (run.path / checkpoint.CHECKPOINT).write_bytes(b"\x00" * 10)
    with pytest.raises(RunError, match="checkpoint"):
        resume(run, synthetic_small, device="cpu")


def test_a_run_another_live_process_trains_is_not_resumed(tmp_path, synthetic_small):
    import os
    import socket
    run = fit(spec3(), synthetic_small, StopAfter(2), runs_root=tmp_path, device="cpu").run
    # another live trainer records its own pid and start time (a stale pid_start would read as
    # a reused pid: the test passed only when the parent started in the same clock tick)
    from faceviz_gui.core import locks
    run.set_status(state="running", pid=os.getppid(), host=socket.gethostname(),
                   pid_start=locks.process_start(os.getppid()))
    with pytest.raises(RunError, match="still being trained"):
        resume(run, synthetic_small, device="cpu")
    run.set_status(host="another-machine")  # its pid means nothing here: resumable
    assert resume(run, synthetic_small, device="cpu").state == "done"
