"""Training: ``fit(spec, data, reporter)`` and ``resume(run)``, plain functions.

The loop is kept lean on purpose (bench/train.py holds it to 0.9 of a bare torch loop): the
data is moved to the device once, batches are index gathers, losses and hits accumulate on the
device, and host syncs happen only when a throttled report is due and at epoch ends.

Reports (always with ``kind``): "batch" at most ~10/s (epoch, batch, batches, loss, acc,
images_per_s, eta_s), "epoch" after each epoch (epoch, epochs, loss, acc, val_loss, val_acc,
seconds, state_dict: a CPU copy GUI workers may build their own model from), and "stage"
for set-up steps. The stop flag is polled before every batch; on stop the run keeps a
checkpoint of exactly where it was, and ``resume`` continues from it bit-for-bit on CPU.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from . import atomic, checkpoint
from .augment import augment_batch, batch_generator, flipped_labels, seed_for
from .checkpoint import Progress
from .errors import FaceVizError, RunError, SpecError
from .evaluation import evaluate, select_by_paths
from .faceset import FaceSet, normalize
from .nets import FaceNet, build_model
from .runs import Run, create_run, find_run
from .specs import ExperimentSpec
from .tasks import NullReporter, Reporter, Throttle
from .transfer import apply_transfer, freeze


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
    from .data import make_split
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
    data.labels(spec.task)  # a DataError now, before a run folder exists
    reporter.report(kind="stage", message="splitting the data")
    split = _split(data, spec)
    model = build_model(spec, seed=spec.train.seed)
    transferred = apply_transfer(spec, model, runs_root)  # SpecError before a run exists
    source = source or data.source
    info = dict(data=source, device=str(dev), task=spec.task, transferred=transferred,
                n_images={k: int(len(v)) for k, v in split.items()})
    if run is None:
        run = create_run(spec, runs_root, **info)
    else:
        atomic.write_text(run.path / "spec.toml", spec.to_toml())
        run.set_status(**info)
    try:
        atomic.write_json(run.path / "split.json",
                          {k: [data.records[i].path for i in v] for k, v in split.items()})
        return _train(run, spec, data, split, model, Progress(), None, reporter, dev)
    except BaseException as exc:
        _mark_failed(run, exc)
        raise


def resume(run: Run | str, data: FaceSet | None = None, reporter: Reporter | None = None,
           device: str | torch.device = "auto", runs_root: str | Path | None = None) -> RunResult:
    """Continue a stopped, killed or failed run from its checkpoint to its full epoch count."""
    run = run if isinstance(run, Run) else find_run(run, runs_root)
    reporter = reporter or NullReporter()
    dev = resolve_device(device)
    status = run.status
    if status.get("state") == "done":
        raise RunError(f"run {run.id} has finished all its {status.get('epochs')} epochs")
    pid = status.get("pid")
    if status.get("state") == "running" and pid and pid != os.getpid() and _alive(pid):
        raise RunError(f"run {run.id} is still being trained by process {pid}")
    run.remove_partial_writes()
    spec = run.spec
    if data is None:
        source = status.get("data", "")
        if not source:
            raise RunError(f"run {run.id} does not record its data source; pass the data")
        reporter.report(kind="stage", message=f"loading {source}")
        from .data import load_source
        data = load_source(source, spec.scale)
    saved = run.split
    if not saved.get("train"):
        raise RunError(f"run {run.id} has no split.json: it never started training; train anew")
    # Rebuild the exact split by path, so resuming on reloaded data trains on the same images.
    index = {r.path: i for i, r in enumerate(data.records)}
    names = {Path(r.path).name: i for i, r in enumerate(data.records)}
    split = {}
    for part, paths in saved.items():
        select_by_paths(data, paths, part)  # raises a clear DataError if images went missing
        split[part] = np.array([index.get(p, names.get(Path(p).name)) for p in paths],
                               dtype=np.int64)
    ckpt = checkpoint.load(run.path)
    model = build_model(spec, seed=spec.train.seed)
    if ckpt is None:  # killed before its first epoch ended: start over in the same run
        progress = Progress()
        apply_transfer(spec, model, runs_root)
    else:
        model.load_state_dict(ckpt.model)
        freeze(spec, model)
        progress = ckpt.progress
    run.set_status(device=str(dev), error=None)
    try:
        return _train(run, spec, data, split, model, progress, ckpt, reporter, dev)
    except BaseException as exc:
        _mark_failed(run, exc)
        raise


def train_experiment(spec: ExperimentSpec | str, source: str | None = None,
                     reporter: Reporter | None = None, runs_root: str | Path | None = None,
                     device: str | torch.device = "auto", epochs: int | None = None,
                     seed: int | None = None) -> RunResult:
    """Load the data (``--data``, FACEVIZ_DATA, the user's CMU copy, else synthetic), then fit."""
    from .data import load_source, resolve_source
    from .specs import find_spec
    spec = find_spec(spec) if isinstance(spec, str) else spec.copy()
    if epochs is not None:
        if epochs < 1:
            raise SpecError(spec.source or spec.name, "train.epochs", "must be positive")
        spec.train.epochs = epochs
    if seed is not None:
        spec.train.seed = seed
    resolve_device(device)  # a bad device is an error before minutes of data loading
    reporter = reporter or NullReporter()
    resolved = resolve_source(source)
    reporter.report(kind="stage", message=f"loading {resolved}")
    data = load_source(resolved, spec.scale)
    return fit(spec, data, reporter, runs_root=runs_root, device=device, source=resolved)


# ------------------------------------------------------------------------------ the loop


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _mark_failed(run: Run, exc: BaseException) -> None:
    message = "interrupted" if isinstance(exc, KeyboardInterrupt) else (str(exc) or type(exc).__name__)
    try:
        run.set_status(state="failed", error=message)
    except OSError:
        pass  # the original error matters more than a status we cannot write


def make_optimizer(spec: ExperimentSpec, model: torch.nn.Module) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise SpecError(spec.source or spec.name, "transfer.freeze",
                        "every layer is frozen: nothing left to train")
    if spec.train.optimizer == "sgd":
        return torch.optim.SGD(params, lr=spec.train.learning_rate)
    return torch.optim.Adam(params, lr=spec.train.learning_rate)


def loss_fn(spec: ExperimentSpec):
    if spec.loss == "mse":
        n = len(spec.classes)
        return lambda out, y: F.mse_loss(out, F.one_hot(y, n).to(out.dtype))
    return F.cross_entropy


def _cpu_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


@torch.no_grad()
def _score(model: FaceNet, x: torch.Tensor, y: torch.Tensor, loss) -> tuple[float, float]:
    model.eval()
    try:
        out = torch.cat([model(x[i:i + 512]) for i in range(0, len(x), 512)])
        return float(loss(out, y)), float((out.argmax(1) == y).float().mean())
    finally:
        model.train()


def _train(run: Run, spec: ExperimentSpec, data: FaceSet, split: dict[str, np.ndarray],
           model: FaceNet, progress: Progress, ckpt, reporter: Reporter,
           dev: torch.device) -> RunResult:
    epochs, bs, seed = spec.train.epochs, spec.train.batch_size, spec.train.seed
    model.to(dev).train()
    optimizer = make_optimizer(spec, model)
    # Only dropout draws from the global RNG; leave it alone otherwise (other threads use it).
    dropout = any(l.kind == "dropout" for l in model.layers)
    if ckpt is not None:
        optimizer.load_state_dict(ckpt.optimizer)
        if dropout:
            checkpoint.restore_rng(ckpt.rng)
    elif dropout:
        torch.manual_seed(seed)
    loss = loss_fn(spec)
    labels = torch.from_numpy(data.labels(spec.task))
    images = normalize(torch.from_numpy(data.images)).unsqueeze(1)

    def on_device(part: str) -> tuple[torch.Tensor, torch.Tensor]:
        idx = torch.from_numpy(split[part])
        return images[idx].to(dev), labels[idx].to(dev)

    x_train, y_train = on_device("train")
    x_val, y_val = on_device("val") if len(split.get("val", ())) else (None, None)
    y_flip = (torch.from_numpy(flipped_labels(data, spec.task))[torch.from_numpy(split["train"])]
              .to(dev) if spec.augment.flip else None)
    augmenting = spec.augment.any
    gen = batch_generator(dev) if augmenting else None
    shuffle = torch.Generator()
    n = len(x_train)
    batches = (n + bs - 1) // bs
    run.set_status(state="running", pid=os.getpid(), epoch=len(progress.history), epochs=epochs,
                   batches=batches)
    throttle = Throttle(0.1)
    started, done_here = time.monotonic(), 0
    total_left = (epochs - progress.epoch) * batches - progress.batch

    while progress.epoch < epochs:
        epoch_start = time.monotonic()
        perm = torch.randperm(n, generator=shuffle.manual_seed(seed_for(seed, progress.epoch)))
        perm = perm.to(dev)
        loss_sum = torch.tensor(progress.loss_sum, device=dev)
        correct = torch.tensor(progress.correct, device=dev)
        seen = progress.seen
        for b in range(progress.batch, batches):
            if reporter.should_stop():
                progress.batch, progress.seen = b, seen
                progress.loss_sum, progress.correct = float(loss_sum), int(correct)
                return _stop(run, model, optimizer, progress)
            idx = perm[b * bs:(b + 1) * bs]
            xb, yb = x_train[idx], y_train[idx]
            if augmenting:
                gen.manual_seed(seed_for(seed, progress.epoch, b))
                xb, yb = augment_batch(xb, yb, y_flip[idx] if y_flip is not None else None,
                                       spec.augment, gen)
            out = model(xb)
            batch_loss = loss(out, yb)
            optimizer.zero_grad(set_to_none=True)
            batch_loss.backward()
            optimizer.step()
            with torch.no_grad():
                loss_sum += batch_loss.detach() * len(yb)
                correct += (out.argmax(1) == yb).sum()
            seen += len(yb)
            done_here += 1
            if throttle.ready():
                elapsed = time.monotonic() - started
                reporter.report(kind="batch", epoch=progress.epoch + 1, epochs=epochs,
                                batch=b + 1, batches=batches, loss=float(loss_sum) / seen,
                                acc=int(correct) / seen, images_per_s=done_here * bs / elapsed,
                                eta_s=elapsed / done_here * (total_left - done_here))
        val_loss, val_acc = _score(model, x_val, y_val, loss) if x_val is not None else (None, None)
        row = {"epoch": progress.epoch + 1, "loss": float(loss_sum) / max(seen, 1),
               "acc": int(correct) / max(seen, 1), "val_loss": val_loss, "val_acc": val_acc,
               "seconds": round(time.monotonic() - epoch_start, 4)}
        progress = Progress(epoch=progress.epoch + 1, history=progress.history + [row])
        state = _cpu_state(model)
        checkpoint.save(run.path, model, optimizer, progress)
        run.save_weights(model)
        run.write_metrics(progress.history)
        run.set_status(epoch=progress.epoch)
        reporter.report(kind="epoch", epochs=epochs, state_dict=state, **row)

    reporter.report(kind="stage", message="evaluating the test split")
    result = evaluate(model, data.subset(split["test"]), spec.task)
    run.write_evaluation(result)
    run.set_status(state="done", accuracy=result["accuracy"], pid=None)
    return RunResult(run, progress.history, False, result)


def _stop(run: Run, model: FaceNet, optimizer: torch.optim.Optimizer,
          progress: Progress) -> RunResult:
    checkpoint.save(run.path, model, optimizer, progress)
    run.save_weights(model)  # the latest weights, so a stopped run can be browsed
    run.set_status(state="stopped", epoch=progress.epoch, batch=progress.batch, pid=None)
    return RunResult(run, progress.history, True, None)
