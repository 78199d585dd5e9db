"""Killed and concurrent trainers (classes 15 and 16 of the adversarial round); these need
real processes, to be killed or to hold a lock, so they run `faceviz train` as a subprocess.

15: after SIGKILL of the trainer, the run shows as "interrupted" (pid, host and start time
    recorded; the process is gone), in `faceviz runs` and in Run.summary() which the app's
    browser reads; it still resumes. SIGTERM stops it cleanly, as Ctrl-C does: "stopped",
    with a checkpoint to resume from.
16: while one process trains a run, a second `train --resume` of it is one line, exit 2, and
    refused before any data is loaded (the run folder's lock comes first).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import pytest

from faceviz_gui.core import locks
from faceviz_gui.core.data.synth import write_synthetic
from faceviz_gui.core.training.runs import Run
from faceviz_gui.core.training.specs import find_spec

MAIN = "import sys; from faceviz_gui.cli import main; sys.exit(main(sys.argv[1:]))"


def _start(*argv) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    err = tempfile.TemporaryFile()  # a file, not a pipe: progress bars never fill it and block
    proc = subprocess.Popen([sys.executable, "-c", MAIN, *map(str, argv)], env=env,
                            stdout=subprocess.DEVNULL, stderr=err)
    proc.err = err
    return proc


def _stderr(proc) -> str:
    proc.err.seek(0)
    return proc.err.read().decode(errors="replace")


def _wait_running(runs, proc, old_pid=None, timeout=120.0) -> Run:
    """The run once its status says a live process (not ``old_pid``) trains it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, _stderr(proc)
        for path in runs.glob("*/status.json") if runs.is_dir() else []:
            try:
                st = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if st.get("state") == "running" and st.get("pid") not in (None, old_pid):
                return Run(path.parent)
        time.sleep(0.05)  # polling a file another process writes: no signal to wait on
    pytest.fail("the trainer never reached the running state")


@pytest.fixture
def long_spec(tmp_path):
    spec = find_spec("experiment0").copy(name="long", scale=4)
    spec.train.epochs = 10_000  # runs until killed
    return spec.save(tmp_path / "long.toml"), write_synthetic(tmp_path / "faces", 3, seed=0)


def test_class15_class16_killed_and_concurrent_trainers(cli, refused, long_spec, tmp_path):
    spec, faces = long_spec
    runs = tmp_path / "runs"
    proc = _start("train", spec, "--data", faces, "--runs", runs, "--device", "cpu",
                  "--threads", "1")
    try:
        run = _wait_running(runs, proc)
        assert run.status["pid"] == proc.pid and run.status["host"] == locks.host()
        assert run.summary()["state"] == "running"
        # 16: a second trainer of the same run is refused at once, before loading data
        t0 = time.monotonic()
        refused("train", "--resume", run.path, "--data", faces, words=("another process",),
                allowed=[runs])
        assert time.monotonic() - t0 < 5
        proc.kill()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # 15: the owner is gone: interrupted, in the CLI and in what the app's browser reads
    rc, out, err = cli("runs", "--runs", runs, "--json")
    assert rc == 0, err
    assert [r["state"] for r in json.loads(out)] == ["interrupted"]
    assert run.summary()["state"] == "interrupted" and run.state == "running"  # resumable
    assert not locks.is_held(run.path / ".lock")
    # a resume takes over; SIGTERM stops it cleanly
    proc = _start("train", "--resume", run.path, "--data", faces, "--device", "cpu",
                  "--threads", "1")
    try:
        _wait_running(runs, proc, old_pid=run.status["pid"])
        assert run.summary()["state"] == "running"
        proc.terminate()
        assert proc.wait(timeout=120) == 0, _stderr(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    rc, out, err = cli("runs", "--runs", runs)
    assert rc == 0 and "stopped" in out, (out, err)
    assert (run.path / "checkpoint.safetensors").exists()
