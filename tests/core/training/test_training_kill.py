"""A `faceviz train` killed with SIGKILL mid-epoch leaves only whole files and resumes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from safetensors.torch import load_file

from faceviz_gui.cli import main
from faceviz_gui.core.data.synth import write_synthetic
from faceviz_gui.core.training import checkpoint
from faceviz_gui.core.training.runs import list_runs
from faceviz_gui.core.training.specs import find_spec

CHILD = "import sys; from faceviz_gui.cli import main; sys.exit(main(sys.argv[1:]))"


def assert_whole(run_path):
    """Every file of the run parses: JSON, JSON lines, TOML spec, safetensors."""
    for p in run_path.iterdir():
        if p.name.endswith(".tmp"):
            continue  # a write the kill cut short: never renamed into place
        if p.suffix == ".json":
            json.loads(p.read_text())
        elif p.suffix == ".jsonl":
            [json.loads(line) for line in p.read_text().splitlines()]
        elif p.suffix == ".safetensors":
            load_file(str(p))
    find_spec(str(run_path / "spec.toml"))


def wait_for(condition, proc, timeout=90.0):
    """Poll ``condition`` while the child runs; the child exiting early fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc.poll() is not None:
            pytest.fail(f"faceviz train exited early: {proc.stderr.read()[-2000:]}")
        time.sleep(0.01)
    proc.kill()
    pytest.fail("timed out waiting for the child")


def test_sigkill_mid_epoch_then_resume(tmp_path):
    spec = find_spec("experiment0").copy(name="killme", scale=4)
    spec.train.epochs, spec.train.batch_size = 20, 8
    spec_path = spec.save(tmp_path / "killme.toml")
    data = write_synthetic(tmp_path / "faces", n_people=4, seed=1)
    runs = tmp_path / "runs"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, "train", str(spec_path), "--data", str(data),
         "--runs", str(runs), "--device", "cpu"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def one_epoch_done():
            found = list_runs(runs)
            return bool(found) and len(found[0].metrics()) >= 1
        wait_for(one_epoch_done, proc)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)  # reap it, or its pid still looks alive
    assert proc.returncode == -signal.SIGKILL
    [run] = list_runs(runs)
    assert run.state == "running"  # nobody got to say otherwise
    done_before = len(run.metrics())
    assert 1 <= done_before < 20
    assert_whole(run.path)

    rc = main(["train", "--resume", run.id, "--runs", str(runs), "--json", "--device", "cpu"])
    assert rc == 0
    assert run.state == "done" and run.status["epoch"] == 20
    assert [m["epoch"] for m in run.metrics()] == list(range(1, 21))
    assert run.evaluation()["n"] == len(run.split["test"])
    assert not list(run.path.glob("*.tmp")) and not list(run.path.glob(".*.tmp"))
    assert_whole(run.path)
    assert checkpoint.load(run.path).progress.epoch == 20
