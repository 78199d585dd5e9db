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
from faceviz_gui.core.training.spec_limits import MAX_SYNTHETIC_PEOPLE, check_limits

TASK_CLASSES: dict[str, tuple[str, ...]] = {
    # "left" is the subject's left (camera right); the blog's two-way task.
    "left": ("not_left", "left"),
    "pose": ("straight", "left", "right", "up"),
    "expression": ("neutral", "happy", "sad", "angry"),
    "eyes": ("open", "sunglasses"),
}
SCALE_SIZES: dict[int, tuple[int, int]] = {1: (120, 128), 2: (60, 64), 4: (30, 32)}  # (H, W)
LAYER_TYPES = ("conv2d", "max_pooling2d", "flatten", "dense", "dropout", "global_average_pooling2d")
PREPROCESS_NORMALIZE = ("none", "image", "face")  # see data/preprocess.py
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


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

    @property
    def any(self) -> bool:
        return bool(self.shift or self.scale or self.rotate or self.brightness
                    or self.contrast or self.flip or self.gamma or self.background)


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


@dataclass
class TrainSpec:
    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 1e-3
    optimizer: str = "adam"   # "adam" or "sgd"
    seed: int = 0


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
        return TASK_CLASSES[self.task]

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


_LATER_FIELDS = (("augment", "gamma"), ("augment", "background"), ("preprocess", "normalize"),
                 ("preprocess", "framing"), ("preprocess", "flip_average"),
                 ("data", "synthetic_people"))
_DEFAULTS = {"augment": dataclasses.asdict(AugmentSpec()),
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


def _choice(value: Any, options: tuple, source: str, name: str) -> None:
    if value not in options:
        raise SpecError(source, name, f"must be one of {', '.join(map(str, options))}; got {value!r}")


def _positive(value: float, source: str, name: str) -> None:
    if value <= 0:
        raise SpecError(source, name, f"must be positive; got {value!r}")


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
    _choice(spec.task, tuple(TASK_CLASSES), s, "task")
    _choice(spec.scale, tuple(SCALE_SIZES), s, "scale")
    _choice(spec.output_activation, ("softmax", "linear"), s, "output_activation")
    _choice(spec.loss, ("crossentropy", "mse"), s, "loss")
    if spec.loss == "crossentropy" and spec.output_activation != "softmax":
        raise SpecError(s, "loss", "crossentropy needs output_activation = \"softmax\"")
    _positive(spec.train.epochs, s, "train.epochs")
    _positive(spec.train.batch_size, s, "train.batch_size")
    _positive(spec.train.learning_rate, s, "train.learning_rate")
    _choice(spec.train.optimizer, ("adam", "sgd"), s, "train.optimizer")
    _choice(spec.split.kind, ("random", "people"), s, "split.kind")
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
    if not 0 <= spec.augment.background <= 1:
        raise SpecError(s, "augment.background", "must be a chance in [0, 1]")
    _choice(spec.preprocess.normalize, PREPROCESS_NORMALIZE, s, "preprocess.normalize")
    _choice(spec.preprocess.framing, ("cmu", "finder"), s, "preprocess.framing")
    if spec.preprocess.flip_average and not {"left", "right"} <= set(spec.classes):
        raise SpecError(s, "preprocess.flip_average",
                        "needs a task with both left and right classes (pose): a mirror image "
                        "of a left face is a right one")
    if not 0 <= spec.data.synthetic_people <= MAX_SYNTHETIC_PEOPLE:
        raise SpecError(s, "data.synthetic_people", f"must be in 0..{MAX_SYNTHETIC_PEOPLE}")
    h, w = spec.input_size
    flat = False
    for i, layer in enumerate(spec.layers):
        where = f"layers[{i}]"
        _choice(layer.type, LAYER_TYPES, s, f"{where}.type")
        if layer.type in ("conv2d", "max_pooling2d") and flat:
            raise SpecError(s, f"{where}.type", f"{layer.type} cannot follow flatten or dense")
        if layer.type == "conv2d":
            _positive(layer.filters, s, f"{where}.filters")
            _positive(layer.kernel, s, f"{where}.kernel")
            _choice(layer.padding, ("valid", "same"), s, f"{where}.padding")
            _choice(layer.activation, ACTIVATIONS, s, f"{where}.activation")
            if layer.padding == "valid":
                h, w = h - layer.kernel + 1, w - layer.kernel + 1
        elif layer.type == "max_pooling2d":
            _positive(layer.pool, s, f"{where}.pool")
            h, w = h // layer.pool, w // layer.pool
        elif layer.type == "dense":
            _positive(layer.units, s, f"{where}.units")
            _choice(layer.activation, ACTIVATIONS, s, f"{where}.activation")
            flat = True
        elif layer.type == "flatten":
            flat = True
        elif layer.type == "global_average_pooling2d":
            if flat:
                raise SpecError(s, f"{where}.type", "global_average_pooling2d cannot follow "
                                "flatten or dense")
            h, w, flat = 1, 1, True
        elif layer.type == "dropout" and not 0 <= layer.rate < 1:
            raise SpecError(s, f"{where}.rate", "must be in [0, 1)")
        if h < 1 or w < 1:
            raise SpecError(s, where, f"the feature map collapses to {h}x{w} at "
                            f"{spec.input_size[1]}x{spec.input_size[0]} input; use fewer or "
                            "smaller layers or a larger scale")
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
