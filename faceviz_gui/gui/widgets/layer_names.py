"""The layers that have HappyMaps (conv2d and dense), read from a spec without torch.

The gallery and the export dialog list layers the moment a run is chosen; building the model
to ask it would put torch on the UI thread. Names follow nets.build_model's Keras rule (count
per type from 1, decision layer appended as a dense layer); a test checks the two agree for
every spec shipped.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faceviz_gui.core.training.specs import ExperimentSpec


@dataclass(frozen=True)
class MapLayer:
    name: str
    kind: str            # "conv2d" or "dense"
    units: int           # filters or neurons
    activation: str
    decision: bool = False

    def size_text(self) -> str:
        what = "filters" if self.kind == "conv2d" else ("outputs" if self.decision else "units")
        return f"{self.units} {what}"

    def describe(self) -> str:
        return f"{self.kind} · {self.size_text()}"


def unit_names(layer: MapLayer, classes) -> list[str]:
    """Names of a layer's units: the class names for the decision layer (not_left, left),
    "filter #i" for conv filters and "unit #i" for hidden dense units."""
    if layer.decision and len(classes) == layer.units:
        return list(classes)
    what = "filter" if layer.kind == "conv2d" else "unit"
    return [f"{what} #{i}" for i in range(layer.units)]


def map_layers(spec: ExperimentSpec) -> list[MapLayer]:
    counts: Counter[str] = Counter()
    out: list[MapLayer] = []
    for ls in spec.layers:
        counts[ls.type] += 1
        name = f"{ls.type}_{counts[ls.type]}"
        if ls.type == "conv2d":
            out.append(MapLayer(name, "conv2d", ls.filters, ls.activation))
        elif ls.type == "dense":
            out.append(MapLayer(name, "dense", ls.units, ls.activation))
    counts["dense"] += 1
    act = "softmax" if spec.output_activation == "softmax" else "linear"
    out.append(MapLayer(f"dense_{counts['dense']}", "dense", len(spec.unit_classes), act, True))
    return out


def first_conv_kernels(weights_path: Path, spec: ExperimentSpec) -> np.ndarray | None:
    """The first conv layer's kernels (filters, 1, k, k) as numpy, read without torch.

    Only the first layer's weights mean something as a picture (they act on pixels); deeper
    kernels mix channels. Returns None if the run has no weights or no leading conv layer.
    """
    if not spec.layers or spec.layers[0].type != "conv2d" or not Path(weights_path).exists():
        return None
    try:
        from safetensors.numpy import load_file
        state = load_file(str(weights_path))
    except Exception:
        return None
    w = state.get("layers.0.op.weight")
    return None if w is None or w.ndim != 4 else w.astype(np.float32)
