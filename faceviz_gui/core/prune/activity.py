"""What each prunable unit does on the run's training images: the evidence for pruning.

One pass over (a sample of) the training images gives, per conv or hidden dense layer, the
activated output of every unit (conv maps pooled to a small grid, so two filters that fire at
different places do not look alike) and, per consumer, the mean input it reads, which
surgery folds into its bias when a unit goes (mean replacement).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from faceviz_gui.core.data.faceset import normalize
from faceviz_gui.core.prune.surgery import consumers, prunable_layers
from faceviz_gui.core.training.nets import FaceNet

GRID = 6            # conv maps pooled to GRID x GRID cells: where a unit fires, cheaply
MAX_IMAGES = 512    # enough for stable correlations; bounds memory on big data sets
SILENT_STD = 1e-6   # a unit whose output never varies carries no information


@dataclass
class Activity:
    features: dict[str, np.ndarray] = field(default_factory=dict)   # layer -> (rows, units)
    means: dict[str, np.ndarray] = field(default_factory=dict)      # layer -> consumer's input mean
    n_images: int = 0

    def silent(self, layer: str) -> np.ndarray:
        return np.flatnonzero(self.features[layer].std(axis=0) <= SILENT_STD)

    def correlation(self, layer: str) -> np.ndarray:
        """|Pearson r| between every pair of units (0 for silent ones), diagonal 0."""
        f = self.features[layer]
        z = f - f.mean(axis=0)
        sd = z.std(axis=0)
        z = np.divide(z, sd, out=np.zeros_like(z), where=sd > SILENT_STD)
        r = np.abs(z.T @ z) / max(1, len(z))
        np.fill_diagonal(r, 0.0)
        return r


def sample(images: np.ndarray, limit: int = MAX_IMAGES) -> np.ndarray:
    if len(images) <= limit:
        return images
    return images[np.linspace(0, len(images) - 1, limit).round().astype(np.int64)]


@torch.no_grad()
def measure(model: FaceNet, images: np.ndarray, batch: int = 128) -> Activity:
    """Activity of every prunable layer of ``model`` on [0, 1] images (N, H, W)."""
    model = model.eval()
    images = sample(images)
    targets = set(prunable_layers(model))
    reads = {v: k for k, v in consumers(model).items()}     # consumer -> layer it reads
    feats: dict[str, list[np.ndarray]] = {n: [] for n in targets}
    sums: dict[str, torch.Tensor] = {}
    for start in range(0, len(images), batch):
        x = normalize(torch.from_numpy(np.ascontiguousarray(images[start:start + batch])))
        x = x.float().unsqueeze(1)
        for l in model.layers:
            if l.name in reads:
                src = reads[l.name]
                part = x.sum(dim=(0, 2, 3)) if l.kind == "conv2d" else x.reshape(len(x), -1).sum(0)
                sums[src] = sums.get(src, 0) + part
            x = l(x)
            if l.name in targets:
                f = torch.nn.functional.adaptive_avg_pool2d(x, GRID) if x.dim() == 4 else x
                # conv: rows are (image, cell) pairs, so units are compared where they fire
                f = f.permute(0, 2, 3, 1).reshape(-1, f.shape[1]) if f.dim() == 4 else f
                feats[l.name].append(f.double().numpy())
    out = Activity(n_images=len(images))
    for name in targets:
        out.features[name] = np.concatenate(feats[name]) if feats[name] else np.zeros((0, 0))
    for src, total in sums.items():
        consumer = model.layer(consumers(model)[src])
        per = len(images) * (_positions(model, consumer.name) if consumer.kind == "conv2d" else 1)
        out.means[src] = (total / per).double().numpy()
    return out


def _positions(model: FaceNet, name: str) -> int:
    """H * W of the input that layer ``name`` reads."""
    x = torch.zeros(1, 1, *model.input_size)
    for l in model.layers:
        if l.name == name:
            return int(np.prod(x.shape[2:]))
        x = l(x)
    raise KeyError(name)
