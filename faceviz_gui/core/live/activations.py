"""One layer's activations for one image: what the live layer view and `faceviz activations` show.

A ``LayerTap`` is a forward hook on one named layer of a model the caller owns; it keeps the
layer's output from whatever forward pass runs next (the live pipeline's own prediction, so
the view costs no extra pass) and is removed on exit. The output kept is what the layer
hands on: the post-activation map of a conv layer, the post-activation value of a hidden
dense unit, and for the decision layer its logits (pre-softmax outputs; the model leaves
softmax to the loss, so the hooked output already is the pre-activation).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from faceviz_gui.core.errors import FaceVizError

MAP_KINDS = ("conv2d", "dense")


@dataclass
class LayerActivations:
    layer: str
    kind: str                    # "conv2d" or "dense"
    values: np.ndarray           # float32 (units,): a conv channel's mean, a dense unit's value
    maps: np.ndarray | None      # float32 (channels, h, w) of a conv layer, else None
    names: tuple[str, ...]       # "#0", "#1", ... or the class names of the decision layer
    decision: bool = False

    def __len__(self) -> int:
        return len(self.values)

    def order(self, most_active_first: bool = False) -> np.ndarray:
        """Unit indices in display order: by index, or by value (highest first, ties by index)."""
        if not most_active_first:
            return np.arange(len(self.values))
        return np.argsort(-self.values, kind="stable")

    def to_json(self) -> dict:
        return {"layer": self.layer, "kind": self.kind, "decision": self.decision,
                "values": [float(v) for v in self.values], "names": list(self.names)}


def mappable_layers(model) -> list[str]:
    """Layers with a view: every conv2d and dense layer, the decision layer last."""
    return [l.name for l in model.layers if l.kind in MAP_KINDS]


def check_layer(model, layer: str) -> None:
    names = mappable_layers(model)
    if layer not in names:
        raise FaceVizError(f"no conv or dense layer {layer!r}; layers: {', '.join(names)}")


def unit_names(model, layer: str) -> tuple[str, ...]:
    target = model.layer(layer)
    n = target.op.out_channels if target.kind == "conv2d" else _linear(target.op).out_features
    if layer == model.decision_layer and len(model.unit_classes) == n:
        return tuple(model.unit_classes)
    return tuple(f"#{i}" for i in range(n))


def summarize(model, layer: str, output: torch.Tensor, names: tuple[str, ...] | None = None
              ) -> LayerActivations:
    """The first sample of a hooked ``output`` as numpy: per-unit values and (conv) maps."""
    y = output.detach()[0].float()
    kind = model.layer(layer).kind
    maps = y.numpy().copy() if y.dim() == 3 else None
    values = y.mean(dim=(1, 2)) if y.dim() == 3 else y.reshape(-1)
    return LayerActivations(layer, kind, values.numpy().astype(np.float32, copy=True), maps,
                            names or unit_names(model, layer), layer == model.decision_layer)


class LayerTap:
    """``with LayerTap(model, "conv2d_2") as tap: model(x)`` then ``tap.result``.

    The hook only keeps a reference to the output; ``result`` copies the first sample to
    numpy after the pass. Safe with no layer (``layer=None``): then it hooks nothing."""

    def __init__(self, model, layer: str | None):
        self.model, self.layer = model, layer
        self._out: torch.Tensor | None = None
        self._handle = None
        self._names = unit_names(model, layer) if layer else None

    def __enter__(self) -> "LayerTap":
        if self.layer:
            self._handle = self.model.layer(self.layer).register_forward_hook(self._keep)
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def _keep(self, module, inputs, output) -> None:
        self._out = output

    @property
    def result(self) -> LayerActivations | None:
        if self._out is None:
            return None
        return summarize(self.model, self.layer, self._out, self._names)


def crop_activations(model, crop: np.ndarray, layer: str) -> LayerActivations:
    """``layer``'s activations for one grey crop (float (H, W) in [0, 1] at the input size)."""
    from faceviz_gui.core.data.faceset import normalize
    check_layer(model, layer)
    if tuple(crop.shape) != tuple(model.input_size):
        raise FaceVizError(f"the crop is {crop.shape[1]}x{crop.shape[0]}, the network takes "
                           f"{model.input_size[1]}x{model.input_size[0]}")
    x = normalize(torch.from_numpy(np.ascontiguousarray(crop, dtype=np.float32)))[None, None]
    tap = LayerTap(model, layer)
    with torch.no_grad(), tap:
        model(x)
    return tap.result


def image_activations(model, path, layer: str, crop_faces: bool = False
                      ) -> tuple[LayerActivations, str]:
    """(``layer``'s activations for an image file, how it was framed).

    ``crop_faces`` runs the live pipeline on the photo (face search with every cascade, CMU
    framing, the layer hooked in the prediction's pass); otherwise the whole image is
    centre-cropped to the network's aspect, as `faceviz attend` reads photos."""
    from faceviz_gui.core.data.imageload import decode_image, load_image_file
    from faceviz_gui.core.errors import DataError
    check_layer(model, layer)
    if not crop_faces:
        grey, reason = load_image_file(path, tuple(model.input_size))
        if grey is None:
            raise DataError(f"cannot read {path}: {reason}")
        return crop_activations(model, grey, layer), "whole image"
    from faceviz_gui.core.live.pipeline import NO_ATTENTION, LivePipeline
    image, reason = decode_image(path)
    if image is None:
        raise DataError(f"cannot read {path}: {reason}")
    result = LivePipeline(model, method=NO_ATTENTION, layer=layer).process(image, still=True)
    return result.layer, "face found" if result.found else "no face found: centred crop"


def _linear(op) -> torch.nn.Linear:
    return op if isinstance(op, torch.nn.Linear) else next(
        m for m in op.modules() if isinstance(m, torch.nn.Linear))
