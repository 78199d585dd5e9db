"""The data-set images that excite each filter most, and the region that does (DeepVis).

For a conv filter the score of an image is its strongest unit (max over positions of the
pre-activation); the region is that unit's receptive field in input pixels. A dense unit
sees the whole image. Results are cached in the run's cache folder, keyed by the weights
hash, the layer, k and a fingerprint of the images.
"""
from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from faceviz_gui.core import atomic
from faceviz_gui.core.data.faceset import FaceSet, normalize
from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.training.nets import FaceNet

SUBDIR = "topimages"
BATCH = 64


@dataclass
class TopImages:
    layer: str
    indices: np.ndarray      # int64 (filters, k): rows of the FaceSet, best first
    values: np.ndarray       # float32 (filters, k): the activation each reached
    boxes: np.ndarray        # int32 (filters, k, 4): x0, y0, x1, y1 in input pixels (x1, y1 exclusive)

    def for_filter(self, f: int) -> list[tuple[int, float, tuple[int, int, int, int]]]:
        return [(int(i), float(v), tuple(int(b) for b in box))
                for i, v, box in zip(self.indices[f], self.values[f], self.boxes[f])]


def receptive_field(model: FaceNet, layer: str, y: int, x: int) -> tuple[int, int, int, int]:
    """Input box (x0, y0, x1, y1) seen by unit (y, x) of conv layer ``layer``, clipped."""
    chain = []
    for l in model.layers:
        chain.append(l)
        if l.name == layer:
            break
    y0, y1, x0, x1 = y, y, x, x              # inclusive bounds, walked back to the input
    for l in reversed(chain):
        if l.kind == "conv2d":
            (kh, kw), (sh, sw), (ph, pw) = l.op.kernel_size, l.op.stride, l.op.padding
            y0, y1 = y0 * sh - ph, y1 * sh - ph + kh - 1
            x0, x1 = x0 * sw - pw, x1 * sw - pw + kw - 1
        elif l.kind == "max_pooling2d":
            k, s = _pair(l.op.kernel_size), _pair(l.op.stride or l.op.kernel_size)
            y0, y1 = y0 * s[0], y1 * s[0] + k[0] - 1
            x0, x1 = x0 * s[1], x1 * s[1] + k[1] - 1
    h, w = model.input_size
    return max(0, x0), max(0, y0), min(w, x1 + 1), min(h, y1 + 1)


def top_images(run_or_model, layer: str, faceset: FaceSet, k: int = 9, device: str = "cpu",
               cache: bool = True) -> TopImages:
    """Per filter of ``layer``: the ``k`` images of ``faceset`` that excite it most."""
    from faceviz_gui.core.maps.happymaps import _resolve, _target_layer  # one place resolves runs and layers
    model, _, whash, cache_dir = _resolve(run_or_model, device)
    target = _target_layer(model, layer)
    if faceset.size != tuple(model.input_size):
        raise FaceVizError(f"images are {faceset.size[1]}x{faceset.size[0]}, the network takes "
                           f"{model.input_size[1]}x{model.input_size[0]}")
    if len(faceset) == 0:
        raise FaceVizError("no images to rank")
    k = min(k, len(faceset))
    path = None
    if cache and cache_dir is not None:
        finger = hashlib.sha256(np.ascontiguousarray(faceset.images).tobytes()).hexdigest()[:16]
        key = hashlib.sha256(f"{whash}/{layer}/{k}/{finger}".encode()).hexdigest()[:16]
        path = Path(cache_dir) / SUBDIR / f"{layer}-{key}.npz"
        hit = _load(path, layer)
        if hit is not None:
            return hit
    scores, where = _scores(model, layer, faceset, device)       # (N, F), (N, F) flat position
    order = np.argsort(-scores, axis=0, kind="stable")[:k].T       # (F, k)
    values = np.take_along_axis(scores.T, order, axis=1).astype(np.float32)
    boxes = np.zeros(order.shape + (4,), dtype=np.int32)
    h, w = model.input_size
    if target.kind == "conv2d":
        ow = _out_width(model, layer)
        for f in range(order.shape[0]):
            for j, i in enumerate(order[f]):
                pos = int(where[i, f])
                boxes[f, j] = receptive_field(model, layer, pos // ow, pos % ow)
    else:
        boxes[:] = (0, 0, w, h)
    result = TopImages(layer, order.astype(np.int64), values, boxes)
    if path is not None:
        buf = io.BytesIO()
        np.savez(buf, indices=result.indices, values=result.values, boxes=result.boxes)
        try:
            atomic.write_bytes(path, buf.getvalue())
        except FaceVizError as exc:  # a read-only run: the result is fine, only not cached
            logging.getLogger("faceviz").warning("top-images cache not written (%s)", exc)
    return result


def _scores(model: FaceNet, layer: str, faceset: FaceSet, device: str):
    scores, where = [], []
    with torch.no_grad():
        for s in range(0, len(faceset), BATCH):
            x = normalize(torch.from_numpy(faceset.images[s:s + BATCH]).unsqueeze(1).to(device))
            y = model.forward_to(x, layer)
            if y.dim() == 4:
                flat = y.flatten(2)
                v, i = flat.max(dim=2)
            else:
                v, i = y, torch.zeros_like(y, dtype=torch.long)
            scores.append(v.float().cpu().numpy())
            where.append(i.cpu().numpy())
    return np.concatenate(scores), np.concatenate(where)


def _out_width(model: FaceNet, layer: str) -> int:
    return next(i.output_shape[2] for i in model.layer_info() if i.name == layer)


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _load(path: Path, layer: str) -> TopImages | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return TopImages(layer, z["indices"], z["values"], z["boxes"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None  # a damaged entry is a miss
