"""Structural surgery on a FaceNet: rebuild smaller conv and dense layers and copy the weights.

``shrink(model, spec, removed)`` drops the given output units of conv and hidden dense layers
and the matching input slices of whatever reads them next: the next conv's input channels,
or, across a flatten, the flat indices ``c * H * W + p`` of every position p of a removed
channel c (PyTorch flattens channel-major). The result is a spec with the smaller widths and a
FaceNet built from it whose kept weights equal the parent's, so before any fine-tuning it
computes exactly what the parent computed minus the removed units' contributions.

A removed unit's contribution need not simply vanish: with ``means`` (the average input each
consumer saw from it on the training images) its mean contribution is folded into the
consumer's bias (mean replacement), which keeps a unit that was nearly constant from shifting
the next layer at all.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.training.nets import FaceNet, build_model
from faceviz_gui.core.training.specs import ExperimentSpec


class PruneError(FaceVizError):
    """A pruning request that cannot be carried out (unknown layer, a layer emptied, ...)."""


def linear_part(layer) -> nn.Module:
    """The Conv2d or Linear inside a NamedLayer (a dense layer right after a conv block
    wraps its Linear in a Sequential with a Flatten)."""
    op = layer.op
    return op[1] if isinstance(op, nn.Sequential) else op


def prunable_layers(model: FaceNet) -> list[str]:
    """Conv and hidden dense layers: the decision layer keeps one unit per class."""
    return [l.name for l in model.layers
            if l.kind in ("conv2d", "dense") and l.name != model.decision_layer]


def consumers(model: FaceNet) -> dict[str, str]:
    """Each prunable layer -> the next conv/dense layer, the one that reads its units."""
    out, pending = {}, None
    for l in model.layers:
        if l.kind in ("conv2d", "dense"):
            if pending is not None:
                out[pending] = l.name
            pending = l.name if l.name != model.decision_layer else None
    return out


def shrunk_spec(spec: ExperimentSpec, model: FaceNet, removed: Mapping[str, Sequence[int]]) -> ExperimentSpec:
    """The spec with the widths left after ``removed``; hidden layers map onto spec.layers
    one to one (the decision layer is appended by build_model and never pruned)."""
    names = model.layer_names[:len(spec.layers)]
    new = spec.copy()
    for name, ls in zip(names, new.layers):
        drop = len(set(removed.get(name, ())))
        if ls.type == "conv2d":
            ls.filters -= drop
        elif ls.type == "dense":
            ls.units -= drop
    return new


def validate_removal(model: FaceNet, removed: Mapping[str, Sequence[int]]) -> None:
    allowed = prunable_layers(model)
    for name, idx in removed.items():
        if name not in allowed:
            raise PruneError(f"layer {name!r} cannot be pruned (prunable: {', '.join(allowed)})")
        units = linear_part(model.layer(name)).weight.shape[0]
        bad = [i for i in idx if not 0 <= int(i) < units]
        if bad:
            raise PruneError(f"layer {name} has {units} units (0..{units - 1}); no unit {bad[0]}")
        if len(set(int(i) for i in idx)) >= units:
            raise PruneError(f"removing every unit of {name} would cut the network in two")


@torch.no_grad()
def shrink(model: FaceNet, spec: ExperimentSpec, removed: Mapping[str, Sequence[int]],
           means: Mapping[str, np.ndarray] | None = None) -> tuple[ExperimentSpec, FaceNet]:
    """A smaller spec and model without the ``removed`` units ({layer: [unit indices]}).

    ``means[layer]``: the mean input the layer's consumer read from it on the training
    images (per flat index for a dense consumer, per channel for a conv consumer; see
    consumer_input_means), used for mean replacement; None drops removed units plainly.
    """
    validate_removal(model, removed)
    new_spec = shrunk_spec(spec, model, removed)
    small = build_model(new_spec)
    feeds = {v: k for k, v in consumers(model).items()}      # consumer -> the layer it reads
    kept_in = torch.arange(1)                               # grey input: one channel
    spatial = 1                                             # positions per channel when flattened
    x = torch.zeros(1, 1, *model.input_size)
    for big_l, small_l in zip(model.layers, small.layers):
        if big_l.kind in ("flatten", "dense") and x.dim() > 2:
            spatial = int(np.prod(x.shape[2:]))             # flatten, or the one inside a dense op
        if big_l.kind in ("conv2d", "dense"):
            big, tiny = linear_part(big_l), linear_part(small_l)
            drop = set(int(i) for i in removed.get(big_l.name, ()))
            kept_out = torch.tensor([i for i in range(big.weight.shape[0]) if i not in drop])
            cols = _input_columns(kept_in, spatial) if big_l.kind == "dense" else kept_in
            b = big.bias[kept_out].clone()
            source = feeds.get(big_l.name)
            if means is not None and source in means and removed.get(source):
                b += _mean_fill(big, big_l.kind, kept_out, cols, means[source])
            tiny.weight.copy_(big.weight[kept_out][:, cols])
            tiny.bias.copy_(b)
            kept_in, spatial = kept_out, 1
        x = big_l(x)
    return new_spec, small.eval()


def _input_columns(kept_channels: torch.Tensor, spatial: int) -> torch.Tensor:
    """Flat input indices of the kept channels: channel c covers c*spatial .. c*spatial+spatial-1."""
    if spatial == 1:
        return kept_channels
    offsets = torch.arange(spatial)
    return (kept_channels[:, None] * spatial + offsets[None, :]).reshape(-1)


def _mean_fill(big: nn.Module, kind: str, kept_out: torch.Tensor, cols: torch.Tensor,
               mean: np.ndarray) -> torch.Tensor:
    """What the removed inputs added on average: W[:, removed] @ mean[removed]."""
    n_in = big.weight.shape[1]
    gone = torch.ones(n_in, dtype=torch.bool)
    gone[cols] = False
    m = torch.as_tensor(np.asarray(mean, dtype=np.float32)).reshape(-1)
    if m.numel() != n_in:
        raise PruneError(f"mean activations have {m.numel()} values; the layer reads {n_in}")
    if kind == "dense":
        return big.weight[kept_out][:, gone] @ m[gone]
    # conv: a removed input channel at its mean adds mean * (sum of its kernel) everywhere
    # (exact with valid padding, where no position sees the zero border)
    kernel_sums = big.weight[kept_out].sum(dim=(2, 3))      # (out, in)
    return kernel_sums[:, gone] @ m[gone]
