"""ExperimentSpec: the TOML experiment specs, validated on load.

A spec lists the hidden layers; the decision layer (a dense layer with one unit per class of
the task) is appended by nets.build_model, so experiment0's three dense layers end in dense_3
as in the blog. Every validation error names the file and the field (``layers[2].filters``).
"""
from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w

from faceviz_gui.core import atomic, safefiles
from faceviz_gui.core.errors import SpecError, shown
from faceviz_gui.core.training.spec_layers import check_layers, choice, positive
from faceviz_gui.core.training.spec_limits import MAX_SYNTHETIC_PEOPLE, check_limits

TASK_CLASSES: dict[str, tuple[str, ...]] = {
    # "left" is the subject's left (camera right); the blog's two-way task.
    "left": ("not_left", "left"),
    "pose": ("straight", "left", "right", "up"),
    "expression": ("neutral", "happy", "sad", "angry"),
    "eyes": ("open", "sunglasses"),
}
# train.labels: finer labels a network may learn from, summed into the task's classes when it
# answers (nets.FaceNet.answer): left or not from the four poses, so a right face and a
# straight one are told apart in training and mirror averaging can swap left and right.
ANSWERED_FROM: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    ("left", "pose"): (("straight", "right", "up"), ("left",)),
}
SCALE_SIZES: dict[int, tuple[int, int]] = {1: (120, 128), 2: (60, 64), 4: (30, 32)}  # (H, W)
PREPROCESS_NORMALIZE = ("none", "image", "face")  # see data/preprocess.py


@dataclass
class LayerSpec:
    type: str
    filters: int = 0          # conv2d
    kernel: int = 3           # conv2d
    padding: str = "valid"    # conv2d: "valid" (Keras default) or "same"
    pool: int = 2             # max_pooling2d
    units: int = 0            # dense
    rate: float = 0.5         # dropout
    activation: str = "relu"  # conv2d, dense


@dataclass
class SplitSpec:
    kind: str = "random"              # "random": by image, stratified; "people": leave people out
    test_fraction: float = 0.2
    val_fraction: float = 0.1
    people: list[str] = field(default_factory=list)  # kind="people": these are the test people
    n_people: int = 0                 # kind="people" with no names: this many, chosen by seed


@dataclass
class AugmentSpec:
    shift: float = 0.0        # fraction of the size
    scale: float = 0.0        # +- fraction
    rotate: float = 0.0       # degrees
    brightness: float = 0.0   # +- added to [0, 1] pixels
    contrast: float = 0.0     # +- fraction
    flip: bool = False        # horizontal flip; swaps the left and right labels
    gamma: float = 0.0        # +- log2 of a gamma curve on [0, 1] pixels (lighting)
    background: float = 0.0   # chance of a new backdrop outside the head (augment.py)
    spill: float = 0.0        # chance that the frame's edge cuts the crop (augment.spill_edges)

    @property
    def any(self) -> bool:
        return bool(self.shift or self.scale or self.rotate or self.brightness
                    or self.contrast or self.flip or self.gamma or self.background
                    or self.spill)


@dataclass
class PreprocessSpec:
    """Steps applied to every input, in training, evaluation, maps and live alike: they run
    as the network's first layer (nets.py), so no caller can forget them."""
    normalize: str = "none"   # "none"; "image": each image to zero mean, unit spread;
                              # "face": the same by the face region's statistics
    framing: str = "cmu"      # training images: "cmu" as shot; "finder": as the live
                              # face finder crops them (training/face_crops.py)
    flip_average: bool = False  # predict from the image and its mirror (left and right
                                # swapped), averaged: nets.FaceNet.forward, eval mode only


@dataclass
class DataSpec:
    """What is added to the loaded data, in the TRAINING split only (training/synthetic_mix.py)."""
    synthetic_people: int = 0  # this many synthetic people (data/synth.py, every CMU shot
                               # each) added to training: other faces and brightness than
                               # the CMU people's (README Part 5); val and test stay as loaded
    synthetic_turns: str = "cmu"  # "cmu": their turns and lifts as CMU's; "varied": each
                                  # left, right and up shot turned 0.5 to 1 as far (synth.py)
    synthetic_epochs: int = 0  # >0: only the first this many epochs have them; the rest
                               # train on the loaded images alone (train.finish_learning_rate)


@dataclass
class TrainSpec:
    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 1e-3
    optimizer: str = "adam"   # "adam" or "sgd"
    seed: int = 0
    labels: str = ""          # "": the task's; "pose": learn the four poses and answer the
                              # task's classes from them (ANSWERED_FROM)
    schedule: str = "constant"  # learning rate: "constant", or "cosine" from learning_rate
                                # down to 0 over the run (loop.learning_rate_at)
    finish_learning_rate: float = 0.0  # of the epochs after data.synthetic_epochs (0: as
                                       # learning_rate)


@dataclass
class TransferSpec:
    from_run: str = ""        # a run id or path whose weights start this one
    freeze: list[str] = field(default_factory=list)  # layer names kept fixed


@dataclass
class ExperimentSpec:
    name: str
    layers: list[LayerSpec]
    description: str = ""
    task: str = "left"
    scale: int = 2
    output_activation: str = "softmax"  # "softmax" or "linear"
    loss: str = "crossentropy"          # "crossentropy" or "mse" (on one-hot targets)
    train: TrainSpec = field(default_factory=TrainSpec)
    split: SplitSpec = field(default_factory=SplitSpec)
    augment: AugmentSpec = field(default_factory=AugmentSpec)
    preprocess: PreprocessSpec = field(default_factory=PreprocessSpec)
    transfer: TransferSpec = field(default_factory=TransferSpec)
    data: DataSpec = field(default_factory=DataSpec)
    source: str = ""                    # where it was loaded from; not saved

    @property
    def classes(self) -> tuple[str, ...]:
        """The classes the network answers."""
        return TASK_CLASSES[self.task]

    @property
    def learned_task(self) -> str:
        """The task whose labels training uses: the decision layer has a unit per class."""
        return self.train.labels or self.task

    @property
    def unit_classes(self) -> tuple[str, ...]:
        return TASK_CLASSES[self.learned_task]

    @property
    def answer_groups(self) -> list[list[int]] | None:
        """Per answered class, the decision units summed into it; None when they are one."""
        if self.learned_task == self.task:
            return None
        units = self.unit_classes
        return [[units.index(c) for c in group] for group in ANSWERED_FROM[self.task, self.learned_task]]

    @property
    def input_size(self) -> tuple[int, int]:
        """(height, width) of the network's input."""
        return SCALE_SIZES[self.scale]

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.pop("source")
        d["layers"] = [_layer_dict(l) for l in self.layers]
        # Fields added after runs already existed are written only when set, so an older
        # spec saves (and a run folder's spec.toml reads) exactly as it did before.
        for section, key in _LATER_FIELDS:
            if d[section].get(key) == _DEFAULTS[section][key]:
                d[section].pop(key)
        for section in ("preprocess", "data"):
            if not d[section]:
                d.pop(section)
        return d

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())

    def save(self, path: str | Path) -> Path:
        return atomic.write_text(path, self.to_toml())

    def copy(self, **changes: Any) -> "ExperimentSpec":
        return dataclasses.replace(_copy_deep(self), **changes)


_LATER_FIELDS = (("train", "labels"), ("train", "schedule"), ("train", "finish_learning_rate"),
                 ("augment", "gamma"),
                 ("augment", "background"), ("augment", "spill"), ("preprocess", "normalize"),
                 ("preprocess", "framing"), ("preprocess", "flip_average"),
                 ("data", "synthetic_people"), ("data", "synthetic_turns"),
                 ("data", "synthetic_epochs"))
_DEFAULTS = {"train": dataclasses.asdict(TrainSpec()), "augment": dataclasses.asdict(AugmentSpec()),
             "preprocess": dataclasses.asdict(PreprocessSpec()),
             "data": dataclasses.asdict(DataSpec())}


def _copy_deep(spec: ExperimentSpec) -> ExperimentSpec:
    return from_dict(spec.to_dict(), spec.source or spec.name)


def _layer_dict(layer: LayerSpec) -> dict[str, Any]:
    """Only the fields that mean something for the layer's type, so saved specs stay short."""
    keep = {"conv2d": ("filters", "kernel", "padding", "activation"),
            "max_pooling2d": ("pool",), "flatten": (), "dense": ("units", "activation"),
            "dropout": ("rate",), "global_average_pooling2d": ()}[layer.type]
    return {"type": layer.type, **{k: getattr(layer, k) for k in keep}}


# ---------------------------------------------------------------- validation


def _check_fields(data: dict, cls: type, where: str, source: str) -> dict:
    """Type-check ``data`` against dataclass ``cls``; unknown keys and wrong types are errors."""
    hints = {f.name: f for f in dataclasses.fields(cls)}
    out = {}
    for key, value in data.items():
        name = f"{where}.{key}" if where else key
        if key not in hints or key == "source":
            known = ", ".join(k for k in hints if k != "source")
            raise SpecError(source, name, f"unknown key (known: {known})")
        default = hints[key].default
        if default is dataclasses.MISSING and hints[key].default_factory is not dataclasses.MISSING:
            default = hints[key].default_factory()
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(default, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok else value
        elif isinstance(default, str):
            ok = isinstance(value, str)
        elif isinstance(default, list):
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        else:
            ok = True
        if not ok:
            raise SpecError(source, name, f"expected {type(default).__name__}, got {value!r}")
        out[key] = value
    return out


def from_dict(data: dict, source: str = "<spec>") -> ExperimentSpec:
    if not isinstance(data, dict):
        raise SpecError(source, "<top>", "expected a table")
    data = dict(data)
    sections = {"train": TrainSpec, "split": SplitSpec, "augment": AugmentSpec,
                "preprocess": PreprocessSpec, "transfer": TransferSpec, "data": DataSpec}
    parts: dict[str, Any] = {}
    for key, cls in sections.items():
        if key in data:
            if not isinstance(data[key], dict):
                raise SpecError(source, key, "expected a table")
            parts[key] = cls(**_check_fields(data.pop(key), cls, key, source))
    raw_layers = data.pop("layers", None)
    if "name" not in data:
        raise SpecError(source, "name", "missing")
    if not isinstance(raw_layers, list) or not raw_layers:
        raise SpecError(source, "layers", "missing or empty: give at least one [[layers]] table")
    layers = []
    for i, raw in enumerate(raw_layers):
        where = f"layers[{i}]"
        if not isinstance(raw, dict):
            raise SpecError(source, where, "expected a table")
        if "type" not in raw:
            raise SpecError(source, f"{where}.type", "missing")
        layers.append(LayerSpec(**_check_fields(raw, LayerSpec, where, source)))
    top = _check_fields(data, ExperimentSpec, "", source)
    spec = ExperimentSpec(layers=layers, **top, **parts, source=source)
    validate(spec)
    return spec


def validate(spec: ExperimentSpec) -> None:
    """Semantic checks: choices, ranges, and that the layer shapes never collapse."""
    s = spec.source or spec.name
    check_limits(spec)  # names, finite numbers, sizes, parameter count: before anything else
    if not spec.name.strip():
        raise SpecError(s, "name", "must not be empty")
    choice(spec.task, tuple(TASK_CLASSES), s, "task")
    choice(spec.scale, tuple(SCALE_SIZES), s, "scale")
    choice(spec.output_activation, ("softmax", "linear"), s, "output_activation")
    choice(spec.loss, ("crossentropy", "mse"), s, "loss")
    if spec.loss == "crossentropy" and spec.output_activation != "softmax":
        raise SpecError(s, "loss", "crossentropy needs output_activation = \"softmax\"")
    positive(spec.train.epochs, s, "train.epochs")
    positive(spec.train.batch_size, s, "train.batch_size")
    positive(spec.train.learning_rate, s, "train.learning_rate")
    choice(spec.train.optimizer, ("adam", "sgd"), s, "train.optimizer")
    choice(spec.train.schedule, ("constant", "cosine"), s, "train.schedule")
    choice(spec.split.kind, ("random", "people"), s, "split.kind")
    if not 0 < spec.split.test_fraction < 1:
        raise SpecError(s, "split.test_fraction", "must be between 0 and 1")
    if not 0 <= spec.split.val_fraction < 1 - spec.split.test_fraction:
        raise SpecError(s, "split.val_fraction", "must be at least 0 and leave room for training")
    for name in ("shift", "scale", "brightness", "contrast"):
        if not 0 <= getattr(spec.augment, name) < 1:
            raise SpecError(s, f"augment.{name}", "must be in [0, 1)")
    if not 0 <= spec.augment.rotate <= 180:
        raise SpecError(s, "augment.rotate", "must be in [0, 180] degrees")
    if not 0 <= spec.augment.gamma <= 2:
        raise SpecError(s, "augment.gamma", "must be in [0, 2] (log2 of the gamma)")
    for name in ("background", "spill"):
        if not 0 <= getattr(spec.augment, name) <= 1:
            raise SpecError(s, f"augment.{name}", "must be a chance in [0, 1]")
    choice(spec.preprocess.normalize, PREPROCESS_NORMALIZE, s, "preprocess.normalize")
    choice(spec.preprocess.framing, ("cmu", "finder"), s, "preprocess.framing")
    if spec.train.labels and spec.train.labels != spec.task:
        if (spec.task, spec.train.labels) not in ANSWERED_FROM:
            known = ", ".join(f"{f} for task {t}" for t, f in ANSWERED_FROM)
            raise SpecError(s, "train.labels", f"cannot answer task {spec.task!r} from "
                            f"{spec.train.labels!r} labels (known: {known})")
        if spec.loss != "crossentropy" or spec.output_activation != "softmax":
            raise SpecError(s, "train.labels", "needs a softmax output and crossentropy loss: "
                            "the answer sums the learned classes' probabilities")
    if spec.preprocess.flip_average and not {"left", "right"} <= set(spec.unit_classes):
        raise SpecError(s, "preprocess.flip_average",
                        "needs both left and right classes (task pose, or train.labels = "
                        "\"pose\"): a mirror image of a left face is a right one")
    choice(spec.data.synthetic_turns, ("cmu", "varied"), s, "data.synthetic_turns")
    if spec.data.synthetic_epochs < 0 or (spec.data.synthetic_epochs
                                          and not spec.data.synthetic_people):
        raise SpecError(s, "data.synthetic_epochs", "must be 0, or a count of epochs with "
                        "data.synthetic_people set")
    if spec.train.finish_learning_rate < 0:
        raise SpecError(s, "train.finish_learning_rate", "must be 0 (as learning_rate) or more")
    if not 0 <= spec.data.synthetic_people <= MAX_SYNTHETIC_PEOPLE:
        raise SpecError(s, "data.synthetic_people", f"must be in 0..{MAX_SYNTHETIC_PEOPLE}")
    check_layers(spec, s)
    if spec.train.optimizer == "sgd" and spec.train.learning_rate > 1:
        raise SpecError(s, "train.learning_rate", "too large for sgd")


def load_spec(path: str | Path) -> ExperimentSpec:
    path = Path(path)
    try:  # a regular UTF-8 file of sane size: a FIFO or /dev/zero named .toml never hangs
        text = safefiles.read_text(path)
    except safefiles.RefusedFile as exc:
        raise SpecError(shown(path), "<file>", f"cannot read: {exc.reason}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(str(path), "<toml>", str(exc)) from None
    except UnicodeDecodeError:
        raise SpecError(str(path), "<file>", "not UTF-8 text") from None
    return from_dict(data, str(path))


def builtin_models_dir() -> Path:
    """models/ as shipped: the top-level folder in a checkout, faceviz_gui/models in a wheel."""
    return Path(str(resources.files("faceviz_gui.models")))


def user_models_dir() -> Path:
    from faceviz_gui.core.paths import user_home
    return user_home() / "experiments"


def list_specs() -> dict[str, Path]:
    """Experiment name -> spec file; user experiments shadow built-in ones of the same name."""
    found: dict[str, Path] = {}
    for folder in (builtin_models_dir(), user_models_dir()):
        if folder.is_dir():
            for p in sorted(folder.glob("*.toml")):
                found[p.stem] = p
    return found


def is_builtin(path: Path) -> bool:
    return Path(path).parent.resolve() == builtin_models_dir().resolve()


def find_spec(name_or_path: str) -> ExperimentSpec:
    """An experiment by name (built-in or user), or a path to a TOML file."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        return load_spec(p)
    specs = list_specs()
    if name_or_path not in specs:
        raise SpecError(name_or_path, "<name>",
                        f"no such experiment (known: {', '.join(sorted(specs))})")
    return load_spec(specs[name_or_path])
