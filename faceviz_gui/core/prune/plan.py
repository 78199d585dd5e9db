"""Which units go, and why: the pruning plan for the three methods.

- ``dead``: units whose HappyMap is flagged dead (never responds, flat or saturated map:
  the blog's "static" and "all on" maps), and units that never vary on the training images.
- ``redundant``: units whose activations on the training images duplicate another kept
  unit's (|Pearson r| over images and positions), silent units first.
- ``magnitude``: units whose incoming weights are small for their layer (L2 norm per fan-in,
  relative to the layer's mean).

Every unit gets a cost (how much the network loses: 0 for dead or silent units, 1 - r for a
duplicate, the relative norm for magnitude); units go cheapest per parameter saved first, so a
parameter target is reached by pruning where it pays (dense_1 and the last conv hold most of
experiment0's weights) without emptying any layer. ``amount`` is the fraction of parameters
to remove; for ``dead`` it is only a cap.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from faceviz_gui.core.prune.activity import Activity
from faceviz_gui.core.prune.surgery import PruneError, linear_part, prunable_layers
from faceviz_gui.core.training.nets import FaceNet

METHODS = ("dead", "redundant", "magnitude")
MIN_KEEP = 0.25   # never leave a layer under a quarter of its units: the bottleneck would
#                   cost more accuracy than its parameters are worth
# ONNX Runtime's CPU convolutions work on blocks of 8 channels: experiment0 cut to 29 and 54
# filters ran slower than the full 32 and 64 (0.297 against 0.280 ms per image), cut to 24 and
# 48 faster (0.213 ms), measured interleaved on the AMD EPYC. So conv layers keep multiples of 8.
CONV_MULTIPLE = 8


@dataclass
class Removal:
    layer: str
    unit: int
    reason: str
    cost: float

    def to_json(self) -> dict[str, Any]:
        return {"layer": self.layer, "unit": self.unit, "reason": self.reason,
                "cost": round(float(self.cost), 4)}


@dataclass
class PrunePlan:
    method: str
    amount: float | None
    removals: list[Removal]
    params_before: int
    params_after: int
    widths_before: dict[str, int]
    notes: list[str] = field(default_factory=list)

    @property
    def removed(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for r in self.removals:
            out.setdefault(r.layer, []).append(r.unit)
        return {k: sorted(v) for k, v in out.items()}

    @property
    def widths_after(self) -> dict[str, int]:
        removed = self.removed
        return {k: n - len(removed.get(k, ())) for k, n in self.widths_before.items()}

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "amount": self.amount, "params_before": self.params_before,
                "params_after": self.params_after, "removed": self.removed,
                "widths_before": self.widths_before, "widths_after": self.widths_after,
                "removals": [r.to_json() for r in self.removals], "notes": self.notes}


class ParamCounter:
    """Parameters of the network as a function of its layer widths, without building it."""

    def __init__(self, model: FaceNet):
        self.layers: list[tuple[str, int, int]] = []   # name, units, input factor
        prev = 1                                        # the grey input's one channel
        for l in model.layers:
            if l.kind in ("conv2d", "dense"):
                w = linear_part(l).weight
                # conv: kernel area per input channel; dense: positions per channel flattened
                factor = int(np.prod(w.shape[2:])) if l.kind == "conv2d" else w.shape[1] // prev
                self.layers.append((l.name, int(w.shape[0]), factor))
                prev = int(w.shape[0])
        self.fixed_out = {name: units for name, units, _ in self.layers}

    def count(self, widths: dict[str, int]) -> int:
        total, n_in = 0, 1
        for name, units, factor in self.layers:
            out = widths.get(name, units)
            total += out * (n_in * factor + 1)
            n_in = out
        return total


def unit_norms(model: FaceNet, layer: str) -> np.ndarray:
    w = linear_part(model.layer(layer)).weight.detach()
    w = w.reshape(w.shape[0], -1).double()
    return (w.norm(dim=1) / math.sqrt(w.shape[1])).numpy()


def check_request(method: str, amount: float | None) -> None:
    """A clear error for a bad method or amount, before any data is loaded."""
    if method not in METHODS:
        raise PruneError(f"unknown pruning method {method!r} (use {', '.join(METHODS)})")
    if amount is not None and not 0 < amount < 1:
        raise PruneError(f"--amount is the fraction of parameters to remove: between 0 and 1, "
                         f"got {amount}")
    if amount is None and method != "dead":
        raise PruneError(f"method {method} needs an amount (the fraction of parameters to remove)")


def make_plan(model: FaceNet, method: str, amount: float | None = None,
              activity: Activity | None = None,
              dead: dict[str, dict[int, str]] | None = None, multiple: int = CONV_MULTIPLE) -> PrunePlan:
    """The units to remove from ``model``. ``activity`` (training-image activations) is
    needed by every method to catch silent units and by ``redundant``; ``dead`` maps
    layer -> {unit: HappyMap dead reason} for the ``dead`` method. ``multiple``: conv layers
    keep a multiple of this many filters (see CONV_MULTIPLE; not for ``dead``, which removes
    only what is flagged)."""
    check_request(method, amount)
    layers = prunable_layers(model)
    counter = ParamCounter(model)
    widths = {n: counter.fixed_out[n] for n in layers}
    before = counter.count(widths)
    target = before * (1 - amount) if amount is not None else 0
    candidates = _candidates(model, method, layers, activity, dead)
    if method == "dead":
        candidates = {k: v for k, v in candidates.items() if v}
    kept = {n: set(range(widths[n])) for n in layers}
    removals: list[Removal] = []
    notes: list[str] = []
    while True:
        now = counter.count({n: len(kept[n]) for n in layers})
        if amount is not None and now <= target:
            break
        best = None
        for name in layers:
            floor = max(1, math.ceil(MIN_KEEP * widths[name]))
            if len(kept[name]) <= floor:
                continue
            pick = _cheapest(name, method, kept[name], candidates, activity)
            if pick is None:
                continue
            unit, cost, reason = pick
            saved = now - counter.count({n: len(kept[n]) - (n == name) for n in layers})
            key = cost / max(1, saved)
            if best is None or key < best[0]:
                best = (key, name, unit, cost, reason)
        if best is None:
            if amount is not None and method != "dead":
                notes.append(f"stopped at {now:,} parameters: every layer is down to "
                             f"{MIN_KEEP:.0%} of its units")
            break
        _, name, unit, cost, reason = best
        kept[name].discard(unit)
        removals.append(Removal(name, int(unit), reason, cost))
    if multiple > 1 and method != "dead":
        removals += _round_convs(model, method, layers, kept, widths, multiple, candidates, activity)
    after = counter.count({n: len(kept[n]) for n in layers})
    return PrunePlan(method, amount, removals, before, after, widths, notes)


def _round_convs(model, method, layers, kept, widths, multiple, candidates, activity) -> list[Removal]:
    """Remove the next cheapest filters until each conv layer keeps a multiple of ``multiple``
    (never below MIN_KEEP of its width, nor below ``multiple``)."""
    out = []
    for name in layers:
        if model.layer(name).kind != "conv2d":
            continue
        floor = max(multiple, math.ceil(MIN_KEEP * widths[name]))
        while len(kept[name]) % multiple and len(kept[name]) > floor:
            pick = _cheapest(name, method, kept[name], candidates, activity)
            if pick is None:
                break
            unit, cost, reason = pick
            kept[name].discard(unit)
            out.append(Removal(name, int(unit), f"{reason}; keeps {name} at a multiple of "
                               f"{multiple} filters", cost))
    return out


def _candidates(model, method, layers, activity, dead) -> dict[str, dict[int, tuple[float, str]]]:
    """Per layer: unit -> (fixed cost, reason) for units whose cost does not depend on what
    else goes (silent, dead, magnitude); redundancy is scored live in _cheapest."""
    out: dict[str, dict[int, tuple[float, str]]] = {n: {} for n in layers}
    for name in layers:
        if method == "magnitude":
            norms = unit_norms(model, name)
            rel = norms / max(norms.mean(), 1e-12)
            for u, r in enumerate(rel):
                out[name][u] = (float(r), f"incoming weights {r:.2f}x the layer's mean norm")
        if method == "dead" and dead:
            for u, why in dead.get(name, {}).items():
                out[name][int(u)] = (0.0, f"HappyMap dead: {why}")
        if activity is not None and name in activity.features:
            n = activity.n_images
            for u in activity.silent(name):
                out[name][int(u)] = (0.0, f"never varies on {n} training images (silent)")
    return out


def _cheapest(name, method, kept, candidates, activity):
    fixed = {u: c for u, c in candidates.get(name, {}).items() if u in kept}
    zero = [(u, c) for u, c in fixed.items() if c[0] == 0.0]
    if zero:
        u, (cost, reason) = min(zero)
        return u, cost, reason
    if method != "redundant":
        if not fixed:
            return None
        u, (cost, reason) = min(fixed.items(), key=lambda kv: (kv[1][0], kv[0]))
        return u, cost, reason
    r = _corr(activity, name)
    idx = np.array(sorted(kept))
    sub = r[np.ix_(idx, idx)]
    i, j = np.unravel_index(int(np.argmax(sub)), sub.shape)
    # of the duplicate pair, drop the unit that duplicates the rest of the layer more
    a, b = (i, j) if sub[i].sum() >= sub[j].sum() else (j, i)
    rr = float(sub[a, b])
    return int(idx[a]), 1.0 - rr, f"duplicates unit {int(idx[b])} (|r| = {rr:.2f} on the training images)"


def _corr(activity: Activity, name: str) -> np.ndarray:
    cache = activity.__dict__.setdefault("_corr", {})
    if name not in cache:
        cache[name] = activity.correlation(name)
    return cache[name]
