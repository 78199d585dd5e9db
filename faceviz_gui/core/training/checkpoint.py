"""Training checkpoints: everything needed to continue a run exactly where it stopped.

One file, ``checkpoint.safetensors``, holds the model weights, the optimizer's tensors and the
RNG states; its metadata holds the rest as JSON (epoch, batch within the epoch, the running
sums of a half-done epoch, the history so far, the optimizer's hyper-parameters). One file
written atomically means no state where weights and bookkeeping disagree; nothing is pickled.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from faceviz_gui.core import atomic, safefiles
from faceviz_gui.core.errors import RunError, one_line, shown

CHECKPOINT = "checkpoint.safetensors"
FORMAT = 1
MAX_CHECKPOINT = 8 * 1024 ** 3  # spec_limits caps a net at 50 M parameters: 16 bytes each


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
    """The run's checkpoint, or None if it has none; a damaged one is one RunError naming it
    (bad tensors, metadata that is not ours, a missing or extra key, a wrong type)."""
    path = run_path / CHECKPOINT
    if not path.exists():
        return None
    problem = safefiles.file_problem(path, MAX_CHECKPOINT)
    if problem:
        raise RunError(f"cannot read checkpoint {shown(path)}: {problem}")
    try:
        with safe_open(str(path), framework="pt") as f:
            raw = (f.metadata() or {}).get("faceviz")
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:  # safetensors raises its own types
        raise RunError(f"cannot read checkpoint {shown(path)}: {one_line(exc)}") from None
    try:
        return _parse(raw, tensors)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        raise RunError(f"checkpoint {shown(path)} is damaged: {one_line(exc) or type(exc).__name__}"
                       "; delete it to restart the run from its first epoch") from None


def _parse(raw: Any, tensors: dict[str, torch.Tensor]) -> Checkpoint:
    if not isinstance(raw, str):
        raise ValueError("no FaceViz metadata")
    meta = json.loads(raw)
    if not isinstance(meta, dict):
        raise ValueError("metadata is not an object")
    if meta.get("format") != FORMAT:
        raise ValueError(f"unknown format {meta.get('format')!r}")
    keys = {"format", "progress", "param_groups", "plain_state"}
    if set(meta) != keys:
        odd = sorted(set(meta) ^ keys)
        raise ValueError(f"metadata keys {', '.join(map(repr, odd))} missing or unexpected")
    progress = _progress(meta["progress"])
    groups, plain = meta["param_groups"], meta["plain_state"]
    if not isinstance(groups, list) or not all(isinstance(g, dict) and isinstance(g.get("params"), list)
                                               for g in groups):
        raise ValueError("param_groups is not a list of groups")
    if not isinstance(plain, dict) or not all(isinstance(v, dict) for v in plain.values()):
        raise ValueError("plain_state is not an object of objects")
    model = {k[6:]: v for k, v in tensors.items() if k.startswith("model/")}
    state: dict[int, dict[str, Any]] = {}
    for k, v in tensors.items():
        if k.startswith("optim/"):
            _, idx, key = k.split("/", 2)
            state.setdefault(int(idx), {})[key] = v
    for idx, values in plain.items():
        state.setdefault(int(idx), {}).update(values)
    rng = {k[4:]: v for k, v in tensors.items() if k.startswith("rng/")}
    if "torch" in rng and rng["torch"].dtype != torch.uint8:
        raise ValueError("rng/torch is not a byte tensor")
    return Checkpoint(progress, model, {"state": state, "param_groups": groups}, rng)


def _progress(raw: Any) -> Progress:
    """Progress from JSON with every field of the right type (a bool is not a count)."""
    if not isinstance(raw, dict):
        raise ValueError("progress is not an object")
    fields = {f.name: f for f in dataclasses.fields(Progress)}
    if set(raw) != set(fields):
        odd = sorted(set(raw) ^ set(fields))
        raise ValueError(f"progress keys {', '.join(map(repr, odd))} missing or unexpected")
    for name in ("epoch", "batch", "correct", "seen"):
        v = raw[name]
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise ValueError(f"progress.{name} is not a count: {v!r}")
    if not isinstance(raw["loss_sum"], (int, float)) or isinstance(raw["loss_sum"], bool):
        raise ValueError(f"progress.loss_sum is not a number: {raw['loss_sum']!r}")
    if not isinstance(raw["history"], list) or not all(isinstance(r, dict) for r in raw["history"]):
        raise ValueError("progress.history is not a list of objects")
    return Progress(**raw)


def restore_rng(rng: dict[str, torch.Tensor]) -> None:
    if "torch" in rng:
        torch.set_rng_state(rng["torch"])
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state(rng["cuda"])
