"""Training: ``fit(spec, data, reporter)``, ``resume(run)`` and ``train_experiment``.

Plain functions for any thread. Reports (always with ``kind``): "batch" at most ~10/s
(epoch, epochs, batch, batches, loss, acc, images_per_s, eta_s), "epoch" after each epoch
(epoch, epochs, loss, acc, val_loss, val_acc, seconds, and state_dict: a CPU copy GUI
workers build their own model from), and "stage" for set-up steps. The stop flag is polled
before every batch; on stop the run keeps a checkpoint of exactly where it was, and
``resume`` continues from it bit-for-bit on CPU. The loop itself is in trainloop.py.

An epoch's files (weights, checkpoint, metrics, status epoch) are written while the next
epoch trains: they are on disk by the end of the following epoch and always when fit returns.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from faceviz_gui.core import atomic, locks
from faceviz_gui.core.data.faceset import FaceSet
from faceviz_gui.core.errors import DataError, FaceVizError, RunError, SpecError
from faceviz_gui.core.tasks import NullReporter, Reporter
from faceviz_gui.core.training import checkpoint
from faceviz_gui.core.training.checkpoint import Progress
from faceviz_gui.core.training.evaluation import select_by_paths
from faceviz_gui.core.training.face_crops import framed_for
from faceviz_gui.core.training.loop import loss_fn, make_optimizer, train_loop  # noqa: F401  (re-exported)
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.runs import Run, create_run, find_run, load_weights
from faceviz_gui.core.training.specs import ExperimentSpec, validate
from faceviz_gui.core.training.synthetic_mix import mix_into_training, with_synthetic
from faceviz_gui.core.training.transfer import apply_transfer, freeze


@dataclass
class RunResult:
    run: Run
    history: list[dict[str, Any]]
    stopped: bool
    evaluation: dict[str, Any] | None = None

    @property
    def state(self) -> str:
        return "stopped" if self.stopped else "done"


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError):
        raise FaceVizError(f"unknown device {device!r} (use auto, cpu or cuda)") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise FaceVizError("device cuda asked for, but CUDA is not available here")
    if dev.type not in ("cpu", "cuda"):
        raise FaceVizError(f"device {device!r} is not supported (use auto, cpu or cuda)")
    return dev


def _split(data: FaceSet, spec: ExperimentSpec) -> dict[str, np.ndarray]:
    from faceviz_gui.core.data.sources import make_split
    split = make_split(data, spec.split, spec.task, spec.train.seed)
    if len(split["train"]) == 0 or len(split["test"]) == 0:
        raise FaceVizError(f"the data ({len(data)} images) is too small to split into "
                           "training and test images")
    return split


def fit(spec: ExperimentSpec, data: FaceSet, reporter: Reporter | None = None, *,
        runs_root: str | Path | None = None, device: str | torch.device = "auto",
        run: Run | None = None, source: str = "") -> RunResult:
    """Train ``spec`` on ``data`` in a new run (or ``run``, already created) and evaluate it."""
    reporter = reporter or NullReporter()
    dev = resolve_device(device)
    if data.size != spec.input_size:
        raise FaceVizError(f"the data is {data.size[1]}x{data.size[0]} but {spec.name} takes "
                           f"{spec.input_size[1]}x{spec.input_size[0]} (scale {spec.scale})")
    for task in {spec.task, spec.learned_task}:
        data.labels(task)  # a DataError now, before a run folder exists
    data = framed_for(spec, data, reporter)  # [preprocess] framing: as the live finder crops
    reporter.report(kind="stage", message="splitting the data")
    split = _split(data, spec)
    # [data] synthetic_people: appended to training after the split, so val and test are
    # the very images they would be without them
    data, split = mix_into_training(data, split, spec, reporter)
    model = build_model(spec, seed=spec.train.seed)
    transferred = apply_transfer(spec, model, runs_root)  # SpecError before a run exists
    source = source or data.source
    info = dict(data=source, device=str(dev), task=spec.task, transferred=transferred,
                n_images={k: int(len(v)) for k, v in split.items()})
    made_here = run is None
    if made_here:
        run = create_run(spec, runs_root, **info)
    lock = run.lock()  # held until fit returns: no second trainer of this folder
    try:
        if not made_here:  # a run made by the caller: its spec and status as trained
            atomic.write_text(run.path / "spec.toml", spec.to_toml())
            run.set_status(**info)
        atomic.write_json(run.path / "split.json",
                          {k: [data.records[i].path for i in v] for k, v in split.items()})
        return _result(run, train_loop(run, spec, data, split, model, Progress(), None, reporter, dev))
    except BaseException as exc:
        _mark_failed(run, exc)
        raise
    finally:
        lock.release()


def resume(run: Run | str, data: FaceSet | str | None = None, reporter: Reporter | None = None,
           device: str | torch.device = "auto", runs_root: str | Path | None = None) -> RunResult:
    """Continue a stopped, killed or failed run from its checkpoint to its full epoch count.
    ``data``: a FaceSet, a source to load (after the run is locked), or None for the run's own."""
    run = run if isinstance(run, Run) else find_run(run, runs_root)
    reporter = reporter or NullReporter()
    dev = resolve_device(device)
    # The lock first, before minutes of data loading: a second resume of this run, or a
    # read-only run folder, is one line now (the lock dies with its process, so a killed
    # trainer never blocks a resume).
    lock = run.lock()
    try:
        return _resume_locked(run, data, reporter, dev, runs_root)
    finally:
        lock.release()


def _resume_locked(run: Run, data: FaceSet | str | None, reporter: Reporter, dev: torch.device,
                   runs_root: str | Path | None) -> RunResult:
    status = run.status
    if status.get("state") == "done":
        raise RunError(f"run {run.id} has finished all its {status.get('epochs')} epochs")
    # A trainer from before run locks existed holds no lock: judge its pid, on this host only
    # (elsewhere a pid means nothing, and the lock above is what counts).
    pid, here = status.get("pid"), status.get("host") in (None, locks.host())
    if status.get("state") == "running" and isinstance(pid, int) and pid != os.getpid() \
            and here and locks.owner_alive(pid, None, status.get("pid_start")):
        raise RunError(f"run {run.id} is still being trained by process {pid}")
    run.remove_partial_writes()
    spec = run.spec
    data = framed_for(spec, data, reporter)
    saved = run.split
    if not saved.get("train"):
        raise RunError(f"run {run.id} has no split.json: it never started training; train anew")
    # The checkpoint before the data: a damaged one is one line now, not after the loading.
    ckpt = checkpoint.load(run.path)
    model = build_model(spec, seed=spec.train.seed)
    if ckpt is None:  # killed before its first epoch ended: start over in the same run
        progress = Progress()
        apply_transfer(spec, model, runs_root)
    else:
        load_weights(model, ckpt.model, f"run {run.id}: checkpoint {checkpoint.CHECKPOINT}")
        freeze(spec, model)
        progress = ckpt.progress
    if data is None or isinstance(data, (str, os.PathLike)):
        source = str(data) if data is not None else status.get("data", "")
        if not source or not isinstance(source, str):
            raise RunError(f"run {run.id} does not record its data source; pass the data")
        reporter.report(kind="stage", message=f"loading {source}")
        from faceviz_gui.core.data.sources import load_source
        data = load_source(source, spec.scale)
    data = with_synthetic(data, spec, reporter)  # the [data] synthetic people split.json names
    # Rebuild the exact split by path, so resuming on reloaded data trains on the same images.
    index = {r.path: i for i, r in enumerate(data.records)}
    names = {Path(r.path).name: i for i, r in enumerate(data.records)}
    split = {}
    for part, paths in saved.items():
        select_by_paths(data, paths, part)  # raises a clear DataError if images went missing
        split[part] = np.array([index.get(p, names.get(Path(p).name)) for p in paths],
                               dtype=np.int64)
    run.set_status(device=str(dev), error=None)
    try:
        return _result(run, train_loop(run, spec, data, split, model, progress, ckpt, reporter, dev))
    except BaseException as exc:
        _mark_failed(run, exc)
        raise


def train_experiment(spec: ExperimentSpec | str, source: str | None = None,
                     reporter: Reporter | None = None, runs_root: str | Path | None = None,
                     device: str | torch.device = "auto", epochs: int | None = None,
                     seed: int | None = None) -> RunResult:
    """Load the data (``--data``, FACEVIZ_DATA, the user's CMU copy, else synthetic), then fit."""
    from faceviz_gui.core.data.sources import load_source, resolve_source
    from faceviz_gui.core.training.specs import find_spec
    spec = find_spec(spec) if isinstance(spec, str) else spec.copy()
    if epochs is not None:
        if epochs < 1:
            raise SpecError(spec.source or spec.name, "train.epochs", "must be positive")
        spec.train.epochs = epochs
    if seed is not None:
        spec.train.seed = seed
    validate(spec)  # the overrides obey the spec's own limits (a --seed of -1 is refused)
    resolve_device(device)  # a bad device or runs folder is an error before data loading
    from faceviz_gui.core.paths import runs_dir
    atomic.check_writable(runs_dir(runs_root))
    reporter = reporter or NullReporter()
    resolved = resolve_source(source)
    if resolved != "synthetic":  # recorded in the run: resume and eval may start elsewhere
        resolved = str(Path(resolved).expanduser().resolve())
        if not Path(resolved).is_dir():
            raise DataError(f"data folder not found: {resolved} (give a folder of CMU faces "
                            "or of photos, or 'synthetic')")
    reporter.report(kind="stage", message=f"loading {resolved}")
    data = load_source(resolved, spec.scale)
    return fit(spec, data, reporter, runs_root=runs_root, device=device, source=resolved)


# --------------------------------------------------------------------------------- helpers


def _mark_failed(run: Run, exc: BaseException) -> None:
    message = "interrupted" if isinstance(exc, KeyboardInterrupt) else (str(exc) or type(exc).__name__)
    try:
        run.set_status(state="failed", error=message, pid=None)
    except (OSError, FaceVizError):
        pass  # the original error matters more than a status we cannot write


def _result(run: Run, outcome: tuple[list[dict], bool, dict | None]) -> RunResult:
    history, stopped, evaluation = outcome
    return RunResult(run, history, stopped, evaluation)
