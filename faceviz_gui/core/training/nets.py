"""build_model(spec) -> FaceNet, an nn.Module whose layers carry Keras-style names.

Names count per type from 1 (conv2d_1, max_pooling2d_1, flatten_1, dense_1, ...), and the
decision layer is the dense layer appended for the classes training learns (the task's, or the
four poses with train.labels = "pose"), so experiment0 ends in dense_3 and ex1-2 in dense_6,
as in the blog. Activations are kept apart from the linear
part of each layer so analysis can read pre-activations (HappyMaps maximise those), and no
ReLU is in-place (hooked activations would break).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import torch
from torch import nn

from faceviz_gui.core.data.preprocess import preprocess_module
from faceviz_gui.core.training.specs import ExperimentSpec, LayerSpec

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity}


class NamedLayer(nn.Module):
    """One Keras layer: a linear part (``op``) and its activation (``act``)."""

    def __init__(self, name: str, kind: str, op: nn.Module, act: nn.Module | None = None):
        super().__init__()
        self.name = name
        self.kind = kind
        self.op = op
        self.act = act if act is not None else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.op(x))


@dataclass(frozen=True)
class LayerInfo:
    name: str
    kind: str                      # conv2d, max_pooling2d, flatten, dense, dropout,
                                   # global_average_pooling2d, preprocess
    output_shape: tuple[int, ...]  # without the batch: (C, H, W) or (units,)
    params: int
    units: int                     # channels of a conv layer, units of a dense layer
    activation: str               # "relu", "softmax", "linear", ... ("" for pooling etc.)


class FaceNet(nn.Module):
    def __init__(self, spec: ExperimentSpec):
        super().__init__()
        self.input_size = spec.input_size
        self.classes = spec.classes            # what it answers
        self.unit_classes = spec.unit_classes  # what its decision layer's units learned
        self.answer_groups = spec.answer_groups
        self.output_activation = spec.output_activation
        counts: Counter[str] = Counter()
        layers: list[NamedLayer] = []
        c, (h, w) = 1, spec.input_size
        pre = preprocess_module(spec.preprocess.normalize)
        if pre is not None:  # the spec's preprocessing, first: every caller runs through it
            layers.append(NamedLayer("preprocess_1", "preprocess", pre))
        for ls in list(spec.layers) + [_decision_layer(spec)]:
            counts[ls.type] += 1
            name = f"{ls.type}_{counts[ls.type]}"
            layer, c, h, w = _make_layer(name, ls, c, h, w)
            layers.append(layer)
        self.layers = nn.ModuleList(layers)
        self.decision_layer = layers[-1].name
        # [preprocess] flip_average: output i of the mirror image is output mirror[i] of the
        # image (left and right swap). None: a plain network, as every older run is.
        self.mirror: list[int] | None = None
        if spec.preprocess.flip_average:
            swap = {"left": "right", "right": "left"}
            units = spec.unit_classes
            self.mirror = [units.index(swap.get(c, c)) for c in units]

    # -- structure -----------------------------------------------------------------------
    @property
    def layer_names(self) -> list[str]:
        return [l.name for l in self.layers]

    def layer(self, name: str) -> NamedLayer:
        for l in self.layers:
            if l.name == name:
                return l
        raise KeyError(f"no layer {name!r} (layers: {', '.join(self.layer_names)})")

    def layer_info(self) -> list[LayerInfo]:
        """The architecture table: name, type, output shape, parameters."""
        x = torch.zeros(1, 1, *self.input_size)
        out = []
        with torch.no_grad():
            for l in self.layers:
                x = l(x)
                act = ("softmax" if l.name == self.decision_layer and self.output_activation == "softmax"
                       else _act_name(l.act)) if l.kind in ("conv2d", "dense") else ""
                out.append(LayerInfo(l.name, l.kind, tuple(x.shape[1:]),
                                     sum(p.numel() for p in l.parameters()),
                                     int(x.shape[1]) if l.kind in ("conv2d", "dense") else 0, act))
        return out

    def param_count(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # -- running ---------------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (or the linear output of an MSE model): softmax is left to the loss.
        Training sees the decision layer's own outputs. In eval mode the network answers
        (``answer``): with ``mirror``, from one batch of the images and their mirror images;
        evaluation, photo folders, maps, attention and the live pipeline (which runs the
        layers itself between ``paired`` and ``answer``) all agree."""
        if not self.training:
            x = self.paired(x)
        for l in self.layers:
            x = l(x)
        return x if self.training else self.answer(x)

    def paired(self, x: torch.Tensor) -> torch.Tensor:
        """The batch an answer is computed from: with ``mirror``, the images and then their
        mirror images."""
        return torch.cat([x, x.flip(-1)]) if self.mirror is not None else x

    def answer(self, out: torch.Tensor) -> torch.Tensor:
        """Decision-layer outputs of ``paired(x)`` -> the answers for x: the mirror images'
        outputs averaged in (left and right swapped), then with ``answer_groups`` the learned
        classes summed into the task's (a logsumexp of logits: the softmax of the result is
        the sum of the grouped probabilities)."""
        if self.mirror is not None:
            n = out.shape[0] // 2
            out = (out[:n] + out[n:, self.mirror]) / 2
        if self.answer_groups is not None:
            out = torch.stack([torch.logsumexp(out[:, g], dim=1) for g in self.answer_groups], 1)
        return out

    def forward_to(self, x: torch.Tensor, name: str, pre_activation: bool = True) -> torch.Tensor:
        """Run only as far as layer ``name`` and return its (pre-)activation."""
        for l in self.layers:
            if l.name == name:
                y = l.op(x)
                return y if pre_activation else l.act(y)
            x = l(x)
        raise KeyError(f"no layer {name!r} (layers: {', '.join(self.layer_names)})")

    def activations(self, x: torch.Tensor, names: list[str] | None = None,
                    pre_activation: bool = False) -> dict[str, torch.Tensor]:
        """Every named layer's output in one pass (for CKA, unit matching, top images)."""
        want = set(names) if names is not None else None
        out: dict[str, torch.Tensor] = {}
        for l in self.layers:
            y = l.op(x)
            x = l.act(y)
            if want is None or l.name in want:
                out[l.name] = y if pre_activation else x
        return out

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        """Class probabilities for softmax models; the raw outputs for linear ones."""
        return torch.softmax(logits, dim=1) if self.output_activation == "softmax" else logits


def _decision_layer(spec: ExperimentSpec) -> LayerSpec:
    return LayerSpec(type="dense", units=len(spec.unit_classes), activation="linear")


def _act_name(act: nn.Module) -> str:
    for name, cls in _ACTIVATIONS.items():
        if type(act) is cls:
            return name
    return type(act).__name__.lower()


def _make_layer(name: str, ls: LayerSpec, c: int, h: int, w: int):
    if ls.type == "conv2d":
        pad = ls.kernel // 2 if ls.padding == "same" else 0
        op = nn.Conv2d(c, ls.filters, ls.kernel, padding=pad)
        if ls.padding == "valid":
            h, w = h - ls.kernel + 1, w - ls.kernel + 1
        return NamedLayer(name, "conv2d", op, _ACTIVATIONS[ls.activation]()), ls.filters, h, w
    if ls.type == "max_pooling2d":
        return NamedLayer(name, "max_pooling2d", nn.MaxPool2d(ls.pool)), c, h // ls.pool, w // ls.pool
    if ls.type == "flatten":
        return NamedLayer(name, "flatten", nn.Flatten()), c * h * w, 1, 1
    if ls.type == "global_average_pooling2d":  # one number per channel: where is forgotten
        op = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        return NamedLayer(name, "global_average_pooling2d", op), c, 1, 1
    if ls.type == "dropout":
        return NamedLayer(name, "dropout", nn.Dropout(ls.rate)), c, h, w
    if ls.type == "dense":
        # A dense layer straight after a conv block flattens implicitly, as Keras would refuse to.
        n_in = c * h * w
        op = nn.Linear(n_in, ls.units) if h == w == 1 else nn.Sequential(nn.Flatten(), nn.Linear(n_in, ls.units))
        return NamedLayer(name, "dense", op, _ACTIVATIONS[ls.activation]()), ls.units, 1, 1
    raise ValueError(f"unknown layer type {ls.type!r}")


def build_model(spec: ExperimentSpec, seed: int | None = None) -> FaceNet:
    """A fresh network for ``spec``; with ``seed`` its initial weights are reproducible."""
    if seed is not None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return FaceNet(spec)
    return FaceNet(spec)
