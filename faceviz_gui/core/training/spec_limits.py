"""Limits every spec must keep before anything is built from it: names that can name a run
folder, finite numbers, sizes a desktop can hold, and a parameter count worked out on paper.

specs.validate calls ``check_limits`` first, so a hostile spec (``name = 5``,
``filters = 10**9``, ``kernel = 100000`` with same padding, ``learning_rate = nan``,
``seed = -1``) is one SpecError naming the field, before any tensor is allocated.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

from faceviz_gui.core.errors import SpecError
from faceviz_gui.core.names import name_problem

# Training keeps weights, gradients and two Adam moments: 16 bytes a parameter. 50 million
# parameters is 800 MB before activations; the shipped experiments have under a million.
MAX_PARAMS = 50_000_000
MAX_SEED = 2**31 - 1
LIMITS = {"filters": 4096, "units": 1_000_000, "kernel": 128, "pool": 128}
TRAIN_LIMITS = {"epochs": 100_000, "batch_size": 65_536}
# [data] synthetic_people: 32 shots each, drawn in memory; 200 people at scale 1 is 390 MB
MAX_SYNTHETIC_PEOPLE = 200


def check_limits(spec: Any) -> None:
    s = str(getattr(spec, "source", "") or getattr(spec, "name", "") or "<spec>")
    problem = name_problem(spec.name)
    if problem:
        raise SpecError(s, "name", problem)
    if not isinstance(spec.description, str):
        raise SpecError(s, "description", f"expected text, got {spec.description!r}")
    _finite(spec, "", s)
    for i, layer in enumerate(spec.layers):
        _finite(layer, f"layers[{i}].", s)
        for key, top in LIMITS.items():
            value = getattr(layer, key, 0)
            if isinstance(value, int) and value > top:
                raise SpecError(s, f"layers[{i}].{key}", f"{value:,} is too large (at most {top:,})")
    for key, top in TRAIN_LIMITS.items():
        value = getattr(spec.train, key)
        if isinstance(value, int) and value > top:
            raise SpecError(s, f"train.{key}", f"{value:,} is too large (at most {top:,})")
    seed = spec.train.seed
    if isinstance(seed, int) and not 0 <= seed <= MAX_SEED:
        raise SpecError(s, "train.seed", f"must be in 0..{MAX_SEED}; got {seed}")
    params = param_count(spec)
    if params > MAX_PARAMS:
        raise SpecError(s, "layers", f"the network would have {params:,} parameters (limit "
                        f"{MAX_PARAMS:,}): too big to train in memory; use fewer filters or units")


def _finite(obj: Any, where: str, s: str) -> None:
    """Every float field of ``obj`` (and of its sections) is a real number: nan and inf pass
    every range check written as ``not 0 < x < 1`` style comparisons only by accident."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            _finite(value, f"{where}{f.name}.", s)
        elif isinstance(value, float) and not math.isfinite(value):
            raise SpecError(s, f"{where}{f.name}", f"must be a finite number; got {value}")


def param_count(spec: Any) -> int:
    """Parameters of the network nets.build_model would make (the decision layer included),
    counted with Python ints from the shapes alone: nothing is allocated."""
    from faceviz_gui.core.training.specs import SCALE_SIZES, TASK_CLASSES
    c, (h, w) = 1, SCALE_SIZES.get(spec.scale, (1, 1))
    total = 0
    units = len(TASK_CLASSES.get(spec.learned_task, "ab"))  # the decision layer (unchecked yet)
    layers = list(spec.layers) + [dataclasses.replace(spec.layers[0], type="dense", units=units)
                                  ] if spec.layers else []
    for layer in layers:
        kind = layer.type
        if kind == "conv2d":
            k = max(int(layer.kernel), 0)
            total += c * layer.filters * k * k + layer.filters
            c = layer.filters
            if layer.padding == "valid":
                h, w = max(h - k + 1, 0), max(w - k + 1, 0)
        elif kind == "max_pooling2d" and layer.pool > 0:
            h, w = h // layer.pool, w // layer.pool
        elif kind == "flatten":
            c, h, w = c * h * w, 1, 1
        elif kind == "global_average_pooling2d":
            h, w = 1, 1
        elif kind == "dense":
            total += c * h * w * layer.units + layer.units
            c, h, w = layer.units, 1, 1
    return total
