"""The training loop behind fit() and resume(), kept lean (bench/train.py holds it to 0.9 of a
bare torch loop): data sits on the device once, batches are index gathers, loss and hits add
up on the device, the host syncs only for a throttled report, and each epoch's files are
written on a helper thread while the next epoch trains.
"""
from __future__ import annotations

import itertools
import math
import threading
import time
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F

from faceviz_gui.core import locks
from faceviz_gui.core.data.faceset import FaceSet, normalize
from faceviz_gui.core.errors import FaceVizError, RunError, SpecError
from faceviz_gui.core.tasks import Reporter, Throttle
from faceviz_gui.core.training import checkpoint
from faceviz_gui.core.training.augment import augment_batch, batch_generator, flipped_labels, seed_for
from faceviz_gui.core.training.checkpoint import Progress
from faceviz_gui.core.training.evaluation import evaluate
from faceviz_gui.core.training.nets import FaceNet
from faceviz_gui.core.training.runs import Run
from faceviz_gui.core.training.specs import ExperimentSpec
from faceviz_gui.core.training.synthetic_mix import synthetic_rows


def make_optimizer(spec: ExperimentSpec, model: torch.nn.Module) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise SpecError(spec.source or spec.name, "transfer.freeze",
                        "every layer is frozen: nothing left to train")
    if spec.train.optimizer == "sgd":
        return torch.optim.SGD(params, lr=spec.train.learning_rate)
    return torch.optim.Adam(params, lr=spec.train.learning_rate)


def finishing(spec: ExperimentSpec, epoch: int) -> bool:
    """Whether ``epoch`` (from 0) trains on the loaded images alone: [data] synthetic_epochs."""
    return 0 < spec.data.synthetic_epochs <= epoch


def learning_rate_at(spec: ExperimentSpec, epoch: int, within: float = 0.0) -> float:
    """The learning rate at ``within`` (0 to 1) of epoch ``epoch`` (from 0): a function of the
    place in the run alone, so a resumed run continues the very same curve without a
    scheduler's state. The finishing epochs start from train.finish_learning_rate."""
    base = spec.train.learning_rate
    if finishing(spec, epoch) and spec.train.finish_learning_rate:
        base = spec.train.finish_learning_rate
    if spec.train.schedule == "cosine":
        return base * 0.5 * (1 + math.cos(math.pi * (epoch + within) / spec.train.epochs))
    return base


def loss_fn(spec: ExperimentSpec) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    if spec.loss == "mse":
        n = len(spec.classes)
        return lambda out, y: F.mse_loss(out, F.one_hot(y, n).to(out.dtype))
    return F.cross_entropy


def training_layout(model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """The model on ``device`` in channels-last layout. On CPU, NCHW max-pooling is a slow
    path: channels-last trained experiment0 about 1.4x faster per step here. bench/train.py's
    bare loop uses the same layout, so the ratio it prints measures fit's own overhead."""
    return model.to(device=device, memory_format=torch.channels_last)


def as_batch(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    return images.to(device).contiguous(memory_format=torch.channels_last)


def cpu_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", copy=True).contiguous() for k, v in model.state_dict().items()}


@torch.no_grad()
def _score(model: FaceNet, x: torch.Tensor, y: torch.Tensor, loss) -> tuple[float, float]:
    model.eval()
    try:
        out = torch.cat([model(x[i:i + 512]) for i in range(0, len(x), 512)])
        return float(loss(out, y)), float((out.argmax(1) == y).float().mean())
    finally:
        model.train()


class EpochWriter:
    """Writes one epoch's files on a helper thread, one job in flight at a time.

    fsync-ed atomic writes of weights, checkpoint, metrics and status cost about a training
    step each epoch; overlapping them with the next epoch keeps fit lean. ``wait`` joins and
    re-raises the job's error on the training thread, so a full disk still fails the run.
    """

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def submit(self, job: Callable[[], None]) -> None:
        self.wait()

        def run() -> None:
            try:
                job()
            except BaseException as exc:  # handed to the training thread in wait()
                self._error = exc

        self._thread = threading.Thread(target=run, name="faceviz-epoch-writer", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def _write_epoch(run: Run, state: dict[str, torch.Tensor], snap: checkpoint.Snapshot,
                 progress: Progress) -> None:
    checkpoint.save(run.path, state, snap, progress)  # first: resuming trusts only it
    run.save_state_dict(state)
    run.write_metrics(progress.history)
    run.set_status(epoch=progress.epoch)


def train_loop(run: Run, spec: ExperimentSpec, data: FaceSet, split: dict[str, np.ndarray],
               model: FaceNet, progress: Progress, ckpt: checkpoint.Checkpoint | None,
               reporter: Reporter, dev: torch.device) -> tuple[list[dict], bool, dict | None]:
    """Train to the spec's epoch count from ``progress``; returns (history, stopped, eval)."""
    writer = EpochWriter()
    try:
        return _loop(run, spec, data, split, model, progress, ckpt, reporter, dev, writer)
    except BaseException:
        try:
            writer.wait()
        except BaseException:
            pass  # the first error is the one to report
        raise


def _loop(run, spec, data, split, model, progress, ckpt, reporter, dev, writer):
    epochs, bs, seed = spec.train.epochs, spec.train.batch_size, spec.train.seed
    training_layout(model, dev).train()
    optimizer = make_optimizer(spec, model)
    # Only dropout draws from the global RNG; leave it alone otherwise (other threads use it).
    dropout = any(l.kind == "dropout" for l in model.layers)
    if ckpt is not None:
        try:
            optimizer.load_state_dict(ckpt.optimizer)
        except (ValueError, KeyError, TypeError, IndexError, RuntimeError) as exc:
            raise RunError(f"run {run.id}: the optimizer state in {checkpoint.CHECKPOINT} does "
                           f"not fit the spec ({exc})") from None
        if dropout:
            checkpoint.restore_rng(ckpt.rng)
    elif dropout:
        torch.manual_seed(seed)
    loss = loss_fn(spec)
    # Training learns the decision layer's classes; validation, in eval mode, scores the
    # network's answers (the same unless train.labels learns finer ones).
    learned = torch.from_numpy(data.labels(spec.learned_task))
    images = normalize(torch.from_numpy(data.images)).unsqueeze(1)
    train_idx = torch.from_numpy(split["train"])
    x_train, y_train = as_batch(images[train_idx], dev), learned[train_idx].to(dev)
    x_val = y_val = None
    if len(split.get("val", ())):
        val_idx = torch.from_numpy(split["val"])
        answers = torch.from_numpy(data.labels(spec.task))
        x_val, y_val = as_batch(images[val_idx], dev), answers[val_idx].to(dev)
    y_flip = (torch.from_numpy(flipped_labels(data, spec.learned_task))[train_idx].to(dev)
              if spec.augment.flip else None)
    augmenting = spec.augment.any
    gen = batch_generator(dev) if augmenting else None
    shuffle = torch.Generator()
    n = len(x_train)
    # [data] synthetic_epochs: the epochs after it draw from the loaded images' rows alone
    loaded = torch.from_numpy(np.flatnonzero(~synthetic_rows(data)[split["train"]]))

    def rows_in(epoch: int) -> int:
        return len(loaded) if finishing(spec, epoch) else n

    def batches_in(epoch: int) -> int:
        return (rows_in(epoch) + bs - 1) // bs

    batches = batches_in(progress.epoch)
    # Batches before each epoch and in the whole run: progress bars count the run's steps,
    # since epochs on the loaded images alone are shorter than the mixed ones.
    steps_before = [0, *itertools.accumulate(batches_in(e) for e in range(epochs))]
    # Who trains it, so readers can tell a live run from one whose process was killed.
    run.set_status(state="running", **locks.owner(),
                   epoch=len(progress.history), epochs=epochs, batches=batches)
    throttle = Throttle(0.1)
    started, done_here = time.monotonic(), 0
    total_left = steps_before[epochs] - steps_before[progress.epoch] - progress.batch
    setting_lr = spec.train.schedule != "constant" or spec.data.synthetic_epochs > 0

    while progress.epoch < epochs:
        epoch_start = time.monotonic()
        if 0 < spec.data.synthetic_epochs == progress.epoch and progress.batch == 0:
            # The finishing epochs start afresh, as a fine-tune on the loaded images would:
            # Adam's moments from the mixed epochs are the synthetic people's more than theirs.
            optimizer = make_optimizer(spec, model)
        batches = batches_in(progress.epoch)
        perm = torch.randperm(rows_in(progress.epoch),
                              generator=shuffle.manual_seed(seed_for(seed, progress.epoch)))
        if finishing(spec, progress.epoch):
            perm = loaded[perm]
        perm = perm.to(dev)
        loss_sum = torch.tensor(progress.loss_sum, device=dev)
        correct = torch.tensor(progress.correct, device=dev)
        seen = progress.seen
        for b in range(progress.batch, batches):
            if reporter.should_stop():
                _check_finite(run, progress.epoch, float(loss_sum), writer)
                progress.batch, progress.seen = b, seen
                progress.loss_sum, progress.correct = float(loss_sum), int(correct)
                writer.wait()
                _stop(run, model, optimizer, progress)
                return progress.history, True, None
            if setting_lr:
                for group in optimizer.param_groups:
                    group["lr"] = learning_rate_at(spec, progress.epoch, b / batches)
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
                                batch=b + 1, batches=batches,
                                step=steps_before[progress.epoch] + b + 1,
                                steps=steps_before[epochs], loss=float(loss_sum) / seen,
                                acc=int(correct) / seen, images_per_s=done_here * bs / elapsed,
                                eta_s=elapsed / done_here * (total_left - done_here))
        # One host sync an epoch (the sum is read for the row anyway): a loss that went nan or
        # inf fails the run here, before its weights replace the last finite checkpoint.
        _check_finite(run, progress.epoch, float(loss_sum), writer)
        val_loss, val_acc = _score(model, x_val, y_val, loss) if x_val is not None else (None, None)
        if val_loss is not None:
            _check_finite(run, progress.epoch, val_loss, writer)
        row: dict[str, Any] = {
            "epoch": progress.epoch + 1, "loss": float(loss_sum) / max(seen, 1),
            "acc": int(correct) / max(seen, 1), "val_loss": val_loss, "val_acc": val_acc,
            "seconds": round(time.monotonic() - epoch_start, 4)}
        progress = Progress(epoch=progress.epoch + 1, history=progress.history + [row])
        state = cpu_state(model)
        writer.submit(lambda s=state, k=checkpoint.snapshot(optimizer), p=progress:
                      _write_epoch(run, s, k, p))
        reporter.report(kind="epoch", epochs=epochs, state_dict=state, **row)

    reporter.report(kind="stage", message="evaluating the test split")
    result = evaluate(model, data.subset(split["test"]), spec.task)
    writer.wait()
    run.write_evaluation(result)
    run.set_status(state="done", accuracy=result["accuracy"], pid=None)
    return progress.history, False, result


class TrainingDiverged(FaceVizError):
    """The loss stopped being a finite number: the run fails, its last finite files kept."""


def _check_finite(run: Run, epoch: int, loss_sum: float, writer: EpochWriter) -> None:
    if math.isfinite(loss_sum):
        return
    writer.wait()  # the previous epoch's checkpoint lands whole before the run is failed
    kept = f"the checkpoint of epoch {epoch} is kept" if epoch else "no epoch finished"
    raise TrainingDiverged(f"run {run.id} diverged: the loss became {loss_sum} in epoch "
                           f"{epoch + 1}; {kept}; lower train.learning_rate and train anew")


def _stop(run: Run, model: FaceNet, optimizer: torch.optim.Optimizer,
          progress: Progress) -> None:
    state = cpu_state(model)
    checkpoint.save(run.path, state, checkpoint.snapshot(optimizer), progress)
    run.save_state_dict(state)  # the latest weights, so a stopped run can be browsed
    run.set_status(state="stopped", epoch=progress.epoch, batch=progress.batch, pid=None)
