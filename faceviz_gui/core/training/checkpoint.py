"""Training checkpoints: everything needed to continue a run exactly where it stopped.

One file, ``checkpoint.safetensors``, holds the model weights, the optimizer's tensors and the
RNG states; its metadata holds the rest as JSON (epoch, batch within the epoch, the running
sums of a half-done epoch, the history so far, the optimizer's hyper-parameters). One file
written atomically means no state where weights and bookkeeping disagree; nothing is pickled.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from faceviz_gui.core import atomic
from faceviz_gui.core.errors import RunError

CHECKPOINT = "checkpoint.safetensors"
FORMAT = 1


@dataclass
class Progress:
    """Where training stands: ``batch`` batches of epoch ``epoch`` (0-based) are done."""
    epoch: int = 0
    batch: int = 0
    loss_sum: float = 0.0     # over the done batches of the current epoch
    correct: int = 0
    seen: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Checkpoint:
    progress: Progress
    model: dict[str, torch.Tensor]
    optimizer: dict[str, Any]
    rng: dict[str, torch.Tensor]


@dataclass
class Snapshot:
    """Copies of the optimizer state and RNG taken on the training thread, so the files can
    be written elsewhere while training moves on (the optimizer updates its tensors in place)."""
    optimizer: dict[str, Any]
    rng: dict[str, torch.Tensor]


def snapshot(optimizer: torch.optim.Optimizer) -> Snapshot:
    opt = optimizer.state_dict()
    state = {idx: {k: (v.detach().to("cpu", copy=True) if isinstance(v, torch.Tensor) else v)
                   for k, v in values.items()} for idx, values in opt["state"].items()}
    rng = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        rng["cuda"] = torch.cuda.get_rng_state()
    return Snapshot({"state": state, "param_groups": opt["param_groups"]}, rng)


def save(run_path: Path, model_state: dict[str, torch.Tensor], snap: Snapshot,
         progress: Progress) -> None:
    tensors: dict[str, torch.Tensor] = {}
    for k, v in model_state.items():
        tensors[f"model/{k}"] = v.detach().cpu().contiguous()
    plain_state: dict[str, dict[str, Any]] = {}
    for idx, state in snap.optimizer["state"].items():
        for key, value in state.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optim/{idx}/{key}"] = value.contiguous()
            else:
                plain_state.setdefault(str(idx), {})[key] = value
    for key, value in snap.rng.items():
        tensors[f"rng/{key}"] = value
    meta = {"format": FORMAT, "progress": asdict(progress),
            "param_groups": snap.optimizer["param_groups"], "plain_state": plain_state}
    metadata = {"faceviz": json.dumps(meta)}
    atomic.write_with(run_path / CHECKPOINT, lambda p: save_file(tensors, str(p), metadata))


def load(run_path: Path) -> Checkpoint | None:
    """The run's checkpoint, or None if it has none; a damaged one is a RunError."""
    path = run_path / CHECKPOINT
    if not path.exists():
        return None
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {})["faceviz"])
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:  # safetensors and json raise their own types
        raise RunError(f"cannot read checkpoint {path}: {exc}") from None
    if meta.get("format") != FORMAT:
        raise RunError(f"checkpoint {path} has an unknown format {meta.get('format')!r}")
    model = {k[6:]: v for k, v in tensors.items() if k.startswith("model/")}
    state: dict[int, dict[str, Any]] = {}
    for k, v in tensors.items():
        if k.startswith("optim/"):
            _, idx, key = k.split("/", 2)
            state.setdefault(int(idx), {})[key] = v
    for idx, values in meta["plain_state"].items():
        state.setdefault(int(idx), {}).update(values)
    rng = {k[4:]: v for k, v in tensors.items() if k.startswith("rng/")}
    optimizer = {"state": state, "param_groups": meta["param_groups"]}
    return Checkpoint(Progress(**meta["progress"]), model, optimizer, rng)


def restore_rng(rng: dict[str, torch.Tensor]) -> None:
    if "torch" in rng:
        torch.set_rng_state(rng["torch"])
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state(rng["cuda"])
