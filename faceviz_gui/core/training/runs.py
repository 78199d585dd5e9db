"""Run directories: everything one training run leaves on disk.

    <runs>/<experiment>-<YYYYmmdd-HHMMSS>-<4 hex>/
        spec.toml            the spec as trained (epochs and other overrides applied)
        status.json          state (running, stopped, done, failed), epoch reached, device, data
        split.json           which images (by path) went to train, val and test
        weights.safetensors  latest model weights (written atomically at each epoch end)
        checkpoint.safetensors  weights, optimizer state, RNG and progress, for resuming
        metrics.jsonl        one JSON object per epoch (rewritten atomically, never appended)
        eval.json            evaluation of the test split: accuracy, per person, confusion
        cache/               analysis caches (HappyMaps, top images), keyed by weights hash

Every file is written atomically (see atomic.py), so a run killed at any moment stays loadable.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from functools import cached_property
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from faceviz_gui.core import atomic
from faceviz_gui.core.errors import RunError
from faceviz_gui.core.paths import runs_dir
from faceviz_gui.core.training.nets import FaceNet, build_model
from faceviz_gui.core.training.specs import ExperimentSpec, load_spec

WEIGHTS = "weights.safetensors"


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


class Run:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r})"

    @property
    def id(self) -> str:
        return self.path.name

    @cached_property
    def spec(self) -> ExperimentSpec:
        return load_spec(self.path / "spec.toml")

    # -- status, metrics, evaluation ------------------------------------------------------
    @property
    def status(self) -> dict[str, Any]:
        return _read_json(self.path / "status.json") or {}

    def set_status(self, **changes: Any) -> dict[str, Any]:
        status = {**self.status, **changes, "updated": _now()}
        atomic.write_json(self.path / "status.json", status)
        return status

    @property
    def state(self) -> str:
        return self.status.get("state", "unknown")

    def metrics(self) -> list[dict[str, Any]]:
        p = self.path / "metrics.jsonl"
        if not p.exists():
            return []
        out = []
        for line in p.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # cannot happen with atomic rewrites; tolerate hand-edited files
        return out

    def write_metrics(self, rows: list[dict[str, Any]]) -> None:
        atomic.write_text(self.path / "metrics.jsonl",
                          "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))

    def evaluation(self) -> dict[str, Any] | None:
        return _read_json(self.path / "eval.json")

    def write_evaluation(self, result: dict[str, Any]) -> None:
        atomic.write_json(self.path / "eval.json", result)

    @property
    def split(self) -> dict[str, list[str]]:
        return _read_json(self.path / "split.json") or {}

    # -- weights ----------------------------------------------------------------------------
    @property
    def weights_path(self) -> Path:
        return self.path / WEIGHTS

    @property
    def has_weights(self) -> bool:
        return self.weights_path.exists()

    def save_weights(self, model: torch.nn.Module) -> None:
        self.save_state_dict(model.state_dict())

    def save_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        state = {k: v.detach().cpu().contiguous() for k, v in state.items()}
        atomic.write_with(self.weights_path, lambda p: save_file(state, str(p)))
        self.__dict__.pop("weights_hash", None)

    def state_dict(self) -> dict[str, torch.Tensor]:
        if not self.has_weights:
            raise RunError(f"run {self.id} has no weights yet ({self.weights_path} is missing)")
        try:
            return load_file(str(self.weights_path))
        except Exception as exc:  # safetensors raises its own error types
            raise RunError(f"run {self.id}: cannot read weights: {exc}") from None

    def load_model(self, device: str | torch.device = "cpu") -> FaceNet:
        """A fresh model with this run's weights, in eval mode, owned by the caller."""
        model = build_model(self.spec)
        try:
            model.load_state_dict(self.state_dict())
        except RuntimeError as exc:
            raise RunError(f"run {self.id}: weights do not fit its spec: {exc}") from None
        return model.to(device).eval()

    @cached_property
    def weights_hash(self) -> str:
        """Content hash of the weights: the key of every analysis cache."""
        h = hashlib.sha256()
        with open(self.weights_path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()[:16]

    def remove_partial_writes(self) -> list[Path]:
        """Delete temporary files a killed process left mid-write (atomic.py names them
        ``.<name>.<random>.tmp``); the real files beside them are whole."""
        leftovers = [p for p in self.path.glob(".*.tmp") if p.is_file()]
        for p in leftovers:
            p.unlink(missing_ok=True)
        return leftovers

    @property
    def cache_dir(self) -> Path:
        return self.path / "cache"

    def summary(self) -> dict[str, Any]:
        """One row for `faceviz runs` and the experiment browser."""
        st, ev = self.status, self.evaluation() or {}
        return {"run_id": self.id, "experiment": st.get("experiment", ""),
                "state": st.get("state", "unknown"), "epoch": st.get("epoch", 0),
                "epochs": st.get("epochs", 0), "created": st.get("created", ""),
                "accuracy": ev.get("accuracy"), "path": str(self.path)}


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def create_run(spec: ExperimentSpec, root: str | Path | None = None,
               **status: Any) -> Run:
    """A new run folder holding the spec and an initial status."""
    root = runs_dir(root)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = root / f"{spec.name}-{stamp}-{secrets.token_hex(2)}"
    path.mkdir(parents=True, exist_ok=False)
    run = Run(path)
    atomic.write_text(path / "spec.toml", spec.to_toml())
    run.set_status(state="created", experiment=spec.name, epoch=0, epochs=spec.train.epochs,
                   created=_now(), **status)
    return run


def list_runs(root: str | Path | None = None, experiment: str | None = None) -> list[Run]:
    """Runs under ``root``, oldest first; folders without a spec are ignored."""
    root = runs_dir(root)
    if not root.is_dir():
        return []
    runs = [Run(p) for p in sorted(root.iterdir()) if (p / "spec.toml").is_file()]
    if experiment is not None:
        runs = [r for r in runs if r.status.get("experiment") == experiment]
    return sorted(runs, key=lambda r: (r.status.get("created", ""), r.id))


def find_run(id_or_path: str | Path, root: str | Path | None = None) -> Run:
    """A run by path, by id, or by a unique id prefix; "latest" is the newest run."""
    p = Path(id_or_path)
    if (p / "spec.toml").is_file():
        return Run(p)
    runs = list_runs(root)
    if str(id_or_path) == "latest" and runs:
        return runs[-1]
    exact = [r for r in runs if r.id == str(id_or_path)]
    if exact:
        return exact[0]
    prefix = [r for r in runs if r.id.startswith(str(id_or_path))]
    if len(prefix) == 1:
        return prefix[0]
    if len(prefix) > 1:
        raise RunError(f"run {id_or_path!r} is ambiguous: {', '.join(r.id for r in prefix[:5])}")
    raise RunError(f"no run {str(id_or_path)!r} (not a run folder, nor an id under {runs_dir(root)})")
