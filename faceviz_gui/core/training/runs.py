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

        .lock                held (flock) by the one process training the run (locks.py)

Every file is written atomically (see atomic.py), so a run killed at any moment stays loadable.
A run someone damaged by hand (status.json not an object, eval.json without a numeric
accuracy, a spec that no longer validates) is listed as "damaged" with the reason, and a run
whose training process is gone (pid, host and start time recorded) as "interrupted"; neither
stops the other runs from being listed, evaluated or compared.
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

from faceviz_gui.core import atomic, locks, safefiles
from faceviz_gui.core.errors import FaceVizError, FileAccessError, RunError, one_line, shown
from faceviz_gui.core.names import check_name
from faceviz_gui.core.paths import inside, runs_dir
from faceviz_gui.core.training.nets import FaceNet, build_model
from faceviz_gui.core.training.specs import ExperimentSpec, load_spec

WEIGHTS = "weights.safetensors"
LOCK = ".lock"


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
        status = _read_json(self.path / "status.json")
        return status if isinstance(status, dict) else {}

    def inspect(self) -> tuple[dict[str, Any], str | None, dict[str, Any] | None]:
        """(status, damage, evaluation) read once: ``damage`` says why the run cannot be used
        as it is (hand-edited or half-copied files), or is None."""
        path, damage = self.path / "status.json", None
        try:
            raw = safefiles.read_json(path) if path.exists() else {}
            if not isinstance(raw, dict):
                damage = "status.json is not a JSON object"
        except FaceVizError as exc:
            raw, damage = None, one_line(exc)
        ev = self.evaluation()
        if damage is None:
            problem = _spec_problem(self.path / "spec.toml")
            if problem:
                damage = f"spec.toml: {problem}"
        if damage is None and ev is None and (self.path / "eval.json").exists():
            damage = "eval.json is damaged (not an object with a numeric accuracy)"
        return (raw if isinstance(raw, dict) else {}), damage, ev

    @property
    def damage(self) -> str | None:
        return self.inspect()[1]

    @property
    def shown_state(self) -> str:
        """The state to show: "damaged", "interrupted" (its process is gone), else as saved.
        ``state`` keeps the saved one (resume decisions read it)."""
        st, damage, _ = self.inspect()
        return _shown_state(st, damage)

    def lock(self) -> locks.Held:
        """The run's exclusive lock, held while training it: a second trainer (another resume,
        the app and the CLI at once) gets one line instead of writing the same folder."""
        try:
            return locks.hold(self.path / LOCK, f"run {self.id} is being trained by another "
                              "process; wait for it or stop it first")
        except FileAccessError as exc:
            raise RunError(f"run {self.id} cannot be trained here: its folder is read-only or "
                           f"unwritable ({exc.reason})") from None

    def set_status(self, **changes: Any) -> dict[str, Any]:
        """Merge ``changes`` into status.json (written atomically)."""
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
        try:
            text = safefiles.read_text(p, safefiles.MAX_JSON)
        except FaceVizError:
            return []
        out = []
        for line in text.splitlines():
            try:
                row = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                continue  # cannot happen with atomic rewrites; tolerate hand-edited files
            if isinstance(row, dict):
                out.append(row)
        return out

    def write_metrics(self, rows: list[dict[str, Any]]) -> None:
        atomic.write_text(self.path / "metrics.jsonl",
                          "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))

    def evaluation(self) -> dict[str, Any] | None:
        """eval.json, or None when missing or damaged (not an object with a numeric accuracy)."""
        ev = _read_json(self.path / "eval.json")
        if not isinstance(ev, dict):
            return None
        acc = ev.get("accuracy")
        if acc is not None and (isinstance(acc, bool) or not isinstance(acc, (int, float))):
            return None
        return ev

    def write_evaluation(self, result: dict[str, Any]) -> None:
        atomic.write_json(self.path / "eval.json", result)

    @property
    def split(self) -> dict[str, list[str]]:
        split = _read_json(self.path / "split.json")
        if not isinstance(split, dict) or not all(
                isinstance(v, list) and all(isinstance(p, str) for p in v) for v in split.values()):
            return {}
        return split

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
        problem = safefiles.file_problem(self.weights_path, 8 * 1024 ** 3)
        if problem:  # a FIFO would block the reader, /dev/zero never end
            raise RunError(f"run {self.id}: cannot read weights: {problem}")
        try:
            return load_file(str(self.weights_path))
        except Exception as exc:  # safetensors raises its own error types
            raise RunError(f"run {self.id}: cannot read weights: {exc}") from None

    def load_model(self, device: str | torch.device = "cpu") -> FaceNet:
        """A fresh model with this run's weights, in eval mode, owned by the caller.

        Channels-last, as training uses: oneDNN's one-channel first conv and its max-pooling
        are several times slower in the default layout on the CPU (evaluation of experiment0
        measured 4.9x faster per image, bench/predict.py).
        """
        model = build_model(self.spec)
        load_weights(model, self.state_dict(), f"run {self.id}: {WEIGHTS}")
        return model.to(device=device, memory_format=torch.channels_last).eval()

    @cached_property
    def weights_hash(self) -> str:
        """Content hash of the weights: the key of every analysis cache."""
        h = hashlib.sha256()
        problem = safefiles.file_problem(self.weights_path, 8 * 1024 ** 3)
        if problem:
            raise RunError(f"run {self.id}: cannot read weights: {problem}")
        with open(self.weights_path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()[:16]

    def remove_partial_writes(self) -> list[Path]:
        """Delete temporary files a killed process left mid-write (atomic.py names them
        ``.<name>.<random>.tmp``); the real files beside them are whole."""
        leftovers = [p for p in self.path.glob(".*.tmp") if p.is_file()]
        for p in leftovers:
            try:
                p.unlink(missing_ok=True)
            except OSError:
                pass  # a read-only run: its real files are whole anyway
        return leftovers

    @property
    def cache_dir(self) -> Path:
        return self.path / "cache"

    def summary(self) -> dict[str, Any]:
        """One row for `faceviz runs` and the experiment browser."""
        st, damage, ev = self.inspect()
        ev = ev or {}
        return {"run_id": shown(self.id), "experiment": _text(st.get("experiment", "")),
                "state": _shown_state(st, damage), "epoch": _count(st.get("epoch")),
                "epochs": _count(st.get("epochs")), "created": _text(st.get("created", "")),
                "accuracy": ev.get("accuracy"), "path": shown(self.path),
                **({"damage": damage} if damage else {})}


def _read_json(path: Path) -> Any:
    try:
        return safefiles.read_json(path)
    except FaceVizError:
        return None


def _shown_state(st: dict[str, Any], damage: str | None) -> str:
    if damage:
        return "damaged"
    state = st.get("state", "unknown")
    if state == "running" and not locks.owner_alive(st.get("pid"), st.get("host"),
                                                    st.get("pid_start")):
        return "interrupted"
    return state if isinstance(state, str) else "unknown"


_SPEC_CHECKS: dict[str, tuple[tuple[int, int, int], str | None]] = {}


def _spec_problem(path: Path) -> str | None:
    """Why a run's spec does not load, or None; remembered per file version (inode, size,
    mtime), so listing many runs again and again (the browser) does not parse every spec."""
    try:
        st = path.stat()
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    version = (st.st_ino, st.st_size, st.st_mtime_ns)
    hit = _SPEC_CHECKS.get(str(path))
    if hit is not None and hit[0] == version:
        return hit[1]
    try:
        load_spec(path)
        problem = None
    except FaceVizError as exc:
        problem = str(exc)
    if len(_SPEC_CHECKS) > 4096:
        _SPEC_CHECKS.clear()
    _SPEC_CHECKS[str(path)] = (version, problem)
    return problem


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _layer_of(model: torch.nn.Module, key: str) -> str:
    """``layers.7.op.weight`` as the user knows it: ``dense_2 weight``."""
    parts = key.split(".")
    layers = getattr(model, "layers", None)
    if len(parts) >= 3 and parts[0] == "layers" and parts[1].isdigit() and layers is not None \
            and int(parts[1]) < len(layers):
        return f"{getattr(layers[int(parts[1])], 'name', parts[1])} {parts[-1]}"
    return key


def load_weights(model: torch.nn.Module, state: dict[str, torch.Tensor], what: str) -> None:
    """``model.load_state_dict(state)``, or one line saying which tensor does not fit (torch's
    own message lists every tensor over many lines)."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    extra = [k for k in state if k not in own]
    wrong = [k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or extra or wrong:
        parts = []
        if wrong:
            k = wrong[0]
            parts.append(f"{_layer_of(model, k)} is {tuple(state[k].shape)}, the spec needs "
                         f"{tuple(own[k].shape)}"
                         + (f" (and {len(wrong) - 1} more)" if len(wrong) > 1 else ""))
        if missing:
            parts.append(f"missing {', '.join(missing[:3])}" + (" ..." if len(missing) > 3 else ""))
        if extra:
            parts.append(f"unexpected {', '.join(extra[:3])}" + (" ..." if len(extra) > 3 else ""))
        raise RunError(f"{what} does not fit the spec (was the spec edited after training?): "
                       + "; ".join(parts))
    try:
        model.load_state_dict(state)
    except (RuntimeError, ValueError, TypeError) as exc:
        raise RunError(f"{what} cannot be loaded: {one_line(exc)}") from None


def create_run(spec: ExperimentSpec, root: str | Path | None = None,
               **status: Any) -> Run:
    """A new run folder holding the spec and an initial status."""
    root = runs_dir(root)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    check_name(spec.name, "experiment")  # no separators or "..": the run stays in ``root``
    atomic.make_dir(root)
    path = inside(root, f"{spec.name}-{stamp}-{secrets.token_hex(2)}")
    try:
        path.mkdir(exist_ok=False)
    except OSError as exc:
        raise FileAccessError(path, "create the run folder", exc) from None
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
    try:
        found = sorted(root.iterdir())
    except OSError as exc:
        raise FileAccessError(root, "list the runs in", exc) from None
    runs = [Run(p) for p in found if (p / "spec.toml").is_file()]
    if experiment is not None:
        runs = [r for r in runs if r.status.get("experiment") == experiment]
    return sorted(runs, key=lambda r: (_text(r.status.get("created", "")), r.id))


def find_run(id_or_path: str | Path, root: str | Path | None = None) -> Run:
    """A run by path, by id, or by a unique id prefix; "latest" is the newest run."""
    p = Path(id_or_path)
    try:
        if (p / "spec.toml").is_file():
            return Run(p)
    except (ValueError, OSError):  # a NUL in the name, a name too long for the file system
        raise RunError(f"no run {shown(id_or_path)!r} (not a valid run id or path)") from None
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
    raise RunError(f"no run {shown(id_or_path)!r} (not a run folder, nor an id under "
                   f"{shown(runs_dir(root))})")
