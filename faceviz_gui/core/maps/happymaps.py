"""HappyMaps: the input image that most excites each filter, all filters of a layer at once.

Recipe (DESIGN.md, "HappyMaps that are clear on small grayscale nets"): one grey Fourier
image per filter, sigmoid to [0, 1], the training normalisation, a random affine per sample
and step at the network's own input size, the mean pre-ReLU activation of the filter (or its
centre unit, or a dense unit / logit) minus a small pull towards grey (weighed against the
activation relative to the best reached, see GREY_PULL), Adam at lr 0.05.

Speed comes from doing each step for the whole chunk in a handful of big tensor ops: one
affine_grid/grid_sample for every sample's jitter, a forward pass that stops *below* the
target layer (the target's objective for its one wanted channel per sample is computed from
its input directly, see ``_objective``), and frozen weights so backward computes input
gradients only.
"""
from __future__ import annotations

import contextlib
import copy
import functools
import time
import zlib
from typing import Sequence

import numpy as np
import torch

from faceviz_gui.core.data.faceset import normalize
from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.maps import heap, mapcache
from faceviz_gui.core.maps.fourier import init_spectrum, spectrum_scale, spectrum_to_image
from faceviz_gui.core.maps.mapops import (
    FIRST_LAYER_LEAK,
    ROTATE_DEG,
    SCALE_RANGE,
    SHIFT,
    Adam,
    forward_below,
    jitter,
    layers_below,
    objective_of,
)
from faceviz_gui.core.maps.mapstats import dead_reason, map_stats
from faceviz_gui.core.maps.maptypes import FilterMap, LayerMaps
from faceviz_gui.core.tasks import NullReporter, Reporter, Throttle
from faceviz_gui.core.training.nets import FaceNet, NamedLayer

RECIPE_VERSION = 2   # 2: the first conv's image gradient by col2im (same maths, other rounding)
LR = 0.05
# The pull towards grey weighs against the activation *relative to the best reached so far*
# (RELATIVE): activations range from ~0.5 (conv2d_1) to ~40 (a CMU net's logits), so any fixed
# weight (DESIGN.md's 20) either washes out early layers or lets deep ones saturate. Measured on
# experiment0/CMU at 128 steps: fixed 5 -> 14% saturated pixels in conv2d_3 and dense_1;
# relative 1 -> 1%, keeping 85-90% of the activation. At 256 steps relative 2 keeps conv2d_2
# at 1% (1 -> 4%) for 4% less activation.
GREY_PULL = 2.0
PREVIEW_STEPS = (16, 32, 64, 128)
# Pixels per chunk: one chunk's activations should stay cache-sized. Measured by
# bench/happymaps.py: a full 64-image batch loses to one-at-a-time at 128x120.
CHUNK_PIXELS = 64 * 64 * 60
MAP_KINDS = ("conv2d", "dense")
RELATIVE = True            # see GREY_PULL
BF16_ON_CPU = True           # see _autocast; tests and the bench may switch it off


def render_layer(run_or_model, layer: str, filters: Sequence[int] | None = None, steps: int = 256,
                 objective: str = "channel", seed: int = 0, reporter: Reporter | None = None,
                 chunk: int | None = None, device: str = "cpu", cache: bool = True) -> LayerMaps:
    """Render every (or the chosen) filter of ``layer``; served from the run's cache if there.

    ``run_or_model`` is a runs.Run (its weights hash keys the disk cache) or a bare FaceNet
    (never cached). On ``reporter.should_stop()`` it returns what it has, with
    ``settings["complete"] = False``, and caches nothing.
    """
    reporter = reporter or NullReporter()
    model, run_id, whash, cache_dir = _resolve(run_or_model, device)
    target = _target_layer(model, layer)
    units = _units(model, layer)
    if objective not in ("channel", "neuron"):
        raise FaceVizError(f"unknown objective {objective!r} (use channel or neuron)")
    if target.kind == "dense":
        objective = "unit"          # a dense unit has no channel/centre distinction
    idx = list(range(units)) if filters is None else [int(f) for f in filters]
    bad = [f for f in idx if not 0 <= f < units]
    if bad:
        raise FaceVizError(f"layer {layer} has {units} filters (0..{units - 1}); no filter {bad[0]}")
    settings = {"steps": int(steps), "objective": objective, "seed": int(seed), "lr": LR,
                "grey_pull": GREY_PULL, "relative": RELATIVE, "shift": SHIFT, "scale": list(SCALE_RANGE),
                "rotate_deg": ROTATE_DEG, "first_layer_leak": FIRST_LAYER_LEAK, "recipe": RECIPE_VERSION,
                "input_size": list(model.input_size)}
    use_cache = cache and cache_dir is not None
    if use_cache:
        hit = mapcache.load_maps(cache_dir, whash, layer, idx, settings)
        if hit is not None:
            return hit
    t0 = time.perf_counter()
    with heap.steady():
        maps, complete = _render(model, target, idx, steps, objective, seed, reporter, chunk, device)
    result = LayerMaps(run_id=run_id, layer=layer, kind=target.kind, maps=maps,
                       settings={**settings, "complete": complete, "filters": idx},
                       weights_hash=whash, seconds=time.perf_counter() - t0)
    if use_cache and complete:
        mapcache.save_maps(cache_dir, result, idx, settings)
    return result


def map_layers(model: FaceNet) -> list[str]:
    """Layers that have HappyMaps: every conv and dense layer, decision layer included."""
    return [l.name for l in model.layers if l.kind in MAP_KINDS]


def chunk_size(input_size: tuple[int, int]) -> int:
    h, w = input_size
    return max(1, CHUNK_PIXELS // (h * w))


def filter_seed(layer: str, index: int, seed: int) -> int:
    """A filter's own seed, so its map does not depend on the chunk it was rendered in."""
    return zlib.crc32(f"{layer}/{index}/{seed}".encode()) & 0x7FFFFFFF


# -- internals -------------------------------------------------------------------------------

def _resolve(run_or_model, device):
    if isinstance(run_or_model, FaceNet):
        # A copy: the caller's model may be another thread's live model (threading contract).
        return copy.deepcopy(run_or_model).to(device).eval(), "", "", None
    run = run_or_model
    model = run.load_model(device)       # raises RunError without weights
    return model, run.id, run.weights_hash, run.cache_dir


def _target_layer(model: FaceNet, name: str) -> NamedLayer:
    try:
        layer = model.layer(name)
    except KeyError:
        raise FaceVizError(f"no layer {name!r}; layers with maps: {', '.join(map_layers(model))}") from None
    if layer.kind not in MAP_KINDS:
        raise FaceVizError(f"layer {name} is a {layer.kind} layer; maps exist for "
                           f"{', '.join(map_layers(model))}")
    return layer


def _units(model: FaceNet, name: str) -> int:
    return next(i.units for i in model.layer_info() if i.name == name)


def _render(model, target, idx, steps, objective, seed, reporter, chunk, device):
    n_chunk = chunk or chunk_size(model.input_size)
    chunks = [idx[i:i + n_chunk] for i in range(0, len(idx), n_chunk)]
    work, target = _prepare(model, target.name)
    maps: list[FilterMap] = []
    progress = _Progress(reporter, steps * len(chunks), target.name)
    for ci, part in enumerate(chunks):
        out, stopped = _optimise(work, target, part, steps, objective, seed, reporter,
                                 progress, ci * steps, device)
        maps.extend(out)
        if stopped:
            return maps, False
    progress.send(steps * len(chunks), force=True)
    return maps, True


def _prepare(model: FaceNet, layer: str):
    """Our own copy (from _resolve), frozen and channels-last.

    Frozen weights make backward compute image gradients only; channels-last makes oneDNN's
    convolutions and max-pooling about twice as fast on the CPU (bench/happymaps.py).
    """
    work = model.eval().requires_grad_(False).to(memory_format=torch.channels_last)
    return work, work.layer(layer)


def _autocast(device) -> contextlib.AbstractContextManager:
    """bf16 for the layers below the target where the CPU does it natively (AVX512-BF16/AMX).

    Halves the memory traffic of the big early activations; the objective reported, the dead
    test and the images themselves stay float32.
    """
    dev = torch.device(device)
    if dev.type == "cpu" and BF16_ON_CPU and _cpu_bf16():
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


@functools.lru_cache(maxsize=1)
def _cpu_bf16() -> bool:
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


class _Progress:
    def __init__(self, reporter, total, layer):
        self.reporter, self.total, self.layer = reporter, total, layer
        self.throttle = Throttle(0.1)

    def send(self, done, force=False):
        if force or self.throttle.ready():
            self.reporter.report(kind="progress", done=int(done), total=int(self.total),
                                 layer=self.layer, message=f"{self.layer}: step {done}/{self.total}")


def _optimise(model, target, part, steps, objective, seed, reporter, progress, offset, device):
    h, w = model.input_size
    n = len(part)
    gens = [torch.Generator().manual_seed(filter_seed(target.name, f, seed)) for f in part]
    spectrum = torch.stack([init_spectrum(g, h, w) for g in gens]).to(device).requires_grad_(True)
    shakes = torch.stack([torch.rand(steps, 4, generator=g) for g in gens], 1).to(device)
    scale = spectrum_scale(h, w).to(device)
    targets = torch.tensor(part, device=device)
    below = layers_below(model, target)
    opt = Adam(spectrum, lr=LR)
    curves = torch.zeros(steps, n, device=device)
    with torch.no_grad():
        start = objective_of(target, forward_below(below, normalize(spectrum_to_image(spectrum, scale, (h, w)))),
                           targets, objective)
    ref = start.abs().clamp_min(1e-3)
    done = 0
    for step in range(steps):
        if reporter.should_stop():
            break
        spectrum.grad = None
        img = spectrum_to_image(spectrum, scale, (h, w))
        x = jitter(img, shakes[step])
        with _autocast(device):
            z = forward_below(below, normalize(x).contiguous(memory_format=torch.channels_last))
        act = objective_of(target, z.float(), targets, objective)
        grey = ((img - 0.5) ** 2).mean(dim=(1, 2, 3))
        if RELATIVE:
            ref = torch.maximum(ref, act.detach().abs())
        else:
            ref = torch.ones_like(ref)
        loss = GREY_PULL * grey - act / ref
        # Summed, not averaged: each sample's gradient is independent of the chunk size.
        loss.sum().backward()
        opt.step()
        curves[step] = (loss * ref).detach()      # in the activation's own units
        done = step + 1
        if done in PREVIEW_STEPS:
            _preview(reporter, target.name, part, img, done)
        progress.send(offset + done)
    with torch.no_grad():
        img = spectrum_to_image(spectrum, scale, (h, w))
        end = objective_of(target, forward_below(below, normalize(img)), targets, objective)
    _preview(reporter, target.name, part, img, done, final=True)
    relu = isinstance(target.act, torch.nn.ReLU)
    images = img[:, 0].cpu().numpy().astype(np.float32)
    curves_np = curves[:done].T.cpu().numpy().astype(np.float32)
    return [_filter_map(target.name, f, images[i], float(start[i]), float(end[i]),
                        curves_np[i], relu) for i, f in enumerate(part)], done < steps


def _filter_map(layer, index, image, start, end, curve, relu) -> FilterMap:
    st = map_stats(image)
    reason = dead_reason(image, start, end, relu)
    return FilterMap(layer=layer, index=index, image=image, activation=end, loss_curve=curve,
                     saturation=st["saturation"], hf_energy=st["hf_energy"],
                     dead=bool(reason), dead_reason=reason)


def _preview(reporter, layer, part, img, step, final=False):
    reporter.report(kind="preview", layer=layer, indices=list(part), step=int(step), final=final,
                    images=img[:, 0].detach().cpu().numpy().astype(np.float32))
