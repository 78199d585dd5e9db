"""Starting a run from another run's weights, with named layers frozen (the blog's suggestion).

Weights are copied for every layer whose name and parameter shapes match in the source run;
the rest keep their fresh initialisation. Frozen layers get requires_grad False and so never
reach the optimizer. Every mistake is a SpecError naming the spec's transfer field.
"""
from __future__ import annotations

from pathlib import Path

import torch

from faceviz_gui.core.errors import FaceVizError, SpecError
from faceviz_gui.core.training.nets import FaceNet
from faceviz_gui.core.training.specs import ExperimentSpec


def _layer_of(key: str) -> str:
    """'layers.3.op.weight' -> index 3; the caller maps it to a name."""
    return key.split(".")[1]


def apply_transfer(spec: ExperimentSpec, model: FaceNet,
                   runs_root: str | Path | None = None) -> list[str]:
    """Load matching layers from ``spec.transfer.from_run`` and freeze; returns loaded names."""
    src = spec.source or spec.name
    loaded: list[str] = []
    if spec.transfer.from_run:
        from faceviz_gui.core.training.runs import find_run
        try:
            donor = find_run(spec.transfer.from_run, runs_root)
            weights = donor.state_dict()
        except FaceVizError as exc:
            raise SpecError(src, "transfer.from_run", str(exc)) from None
        own = model.state_dict()
        names = model.layer_names
        by_layer: dict[str, dict[str, torch.Tensor]] = {}
        for key, value in weights.items():
            by_layer.setdefault(_layer_of(key), {})[key] = value
        # Same position, name and shapes: the donor's layer must be named the same.
        donor_names = _donor_layer_names(donor)
        for i, name in enumerate(names):
            theirs = by_layer.get(str(i), {})
            mine = {k: v for k, v in own.items() if _layer_of(k) == str(i)}
            if (mine and i < len(donor_names) and donor_names[i] == name
                    and set(theirs) == set(mine)
                    and all(theirs[k].shape == mine[k].shape for k in mine)):
                own.update(theirs)
                loaded.append(name)
        model.load_state_dict(own)
        for name in spec.transfer.freeze:
            if name in model.layer_names and name not in loaded and _has_params(model, name):
                raise SpecError(src, "transfer.freeze",
                                f"layer {name} was not taken from run {donor.id} (its shape "
                                "differs there), so freezing it would freeze random weights")
    freeze(spec, model)
    return loaded


def _donor_layer_names(donor) -> list[str]:
    from faceviz_gui.core.training.nets import build_model
    return build_model(donor.spec).layer_names


def _has_params(model: FaceNet, name: str) -> bool:
    return any(True for _ in model.layer(name).parameters())


def freeze(spec: ExperimentSpec, model: FaceNet) -> None:
    """requires_grad False for the spec's frozen layers; a clear error for unknown names."""
    src = spec.source or spec.name
    for name in spec.transfer.freeze:
        if name not in model.layer_names:
            raise SpecError(src, "transfer.freeze",
                            f"no layer {name!r} (layers: {', '.join(model.layer_names)})")
        for p in model.layer(name).parameters():
            p.requires_grad_(False)
    if not any(p.requires_grad for p in model.parameters()):
        raise SpecError(src, "transfer.freeze", "every layer is frozen: nothing left to train")
