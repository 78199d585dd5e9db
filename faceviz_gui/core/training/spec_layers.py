"""The layer stack's checks: known types and activations, positive sizes, conv layers before
flatten and dense, and a feature map that never collapses at the spec's input size.
specs.validate calls ``check_layers`` after the settings' checks."""
from __future__ import annotations

from typing import Any

from faceviz_gui.core.errors import SpecError

LAYER_TYPES = ("conv2d", "max_pooling2d", "flatten", "dense", "dropout", "global_average_pooling2d")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


def choice(value: Any, options: tuple, source: str, name: str) -> None:
    if value not in options:
        raise SpecError(source, name, f"must be one of {', '.join(map(str, options))}; got {value!r}")


def positive(value: float, source: str, name: str) -> None:
    if value <= 0:
        raise SpecError(source, name, f"must be positive; got {value!r}")


def check_layers(spec: Any, s: str) -> None:
    h, w = spec.input_size
    flat = False
    for i, layer in enumerate(spec.layers):
        where = f"layers[{i}]"
        choice(layer.type, LAYER_TYPES, s, f"{where}.type")
        if layer.type in ("conv2d", "max_pooling2d") and flat:
            raise SpecError(s, f"{where}.type", f"{layer.type} cannot follow flatten or dense")
        if layer.type == "conv2d":
            positive(layer.filters, s, f"{where}.filters")
            positive(layer.kernel, s, f"{where}.kernel")
            choice(layer.padding, ("valid", "same"), s, f"{where}.padding")
            choice(layer.activation, ACTIVATIONS, s, f"{where}.activation")
            if layer.padding == "valid":
                h, w = h - layer.kernel + 1, w - layer.kernel + 1
        elif layer.type == "max_pooling2d":
            positive(layer.pool, s, f"{where}.pool")
            h, w = h // layer.pool, w // layer.pool
        elif layer.type == "dense":
            positive(layer.units, s, f"{where}.units")
            choice(layer.activation, ACTIVATIONS, s, f"{where}.activation")
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
