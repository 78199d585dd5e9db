"""One layer's activations of the training images and the folder's images in 2-D.

PCA in numpy (fitted on the training images, the folder projected into the same axes) is
deterministic, instant for a few hundred images and shows the directions the training data
uses; UMAP or t-SNE would add a heavy dependency and a random layout for little more here.
Whether the new people land in their class's cluster is measured in the layer's full space:
the share of folder images nearest their own class's training centroid.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from faceviz_gui.core.errors import FaceVizError


def default_layer(model) -> str:
    """The last layer before the decision layer that is not flatten or dropout."""
    names = [l.name for l in model.layers if l.kind in ("conv2d", "max_pooling2d", "dense")]
    return names[-2] if len(names) >= 2 else names[-1]


def check_layer(model, layer: str | None) -> str:
    if not layer:
        return default_layer(model)
    ok = [l.name for l in model.layers if l.kind in ("conv2d", "max_pooling2d", "dense")]
    if layer not in ok:
        raise FaceVizError(f"no layer {layer!r} to embed (layers: {', '.join(ok)})")
    return layer


@dataclass
class Embedding:
    layer: str
    method: str
    train_points: np.ndarray     # (Nt, 2)
    points: np.ndarray           # (N, 2), the folder's images
    explained: list[float]       # variance share of the two axes
    own_cluster: float           # share of folder images nearest their class's training centroid
    own_cluster_train: float     # the same for the training images (the ceiling)

    def to_json(self) -> dict:
        return {"layer": self.layer, "method": self.method,
                "points": np.round(self.points, 4).tolist(),
                "train_points": np.round(self.train_points, 4).tolist(),
                "explained": self.explained, "own_cluster": round(self.own_cluster, 4),
                "own_cluster_train": round(self.own_cluster_train, 4)}


def _nearest_centroid(train: np.ndarray, train_labels, feats: np.ndarray, labels) -> float:
    classes = sorted(set(np.asarray(train_labels).tolist()))
    cents = np.stack([train[np.asarray(train_labels) == c].mean(axis=0) for c in classes])
    d = ((feats[:, None, :] - cents[None]) ** 2).sum(axis=2)
    return float((np.asarray(classes)[d.argmin(axis=1)] == np.asarray(labels)).mean())


def pca_embedding(layer: str, train: np.ndarray, train_labels, feats: np.ndarray, labels
                  ) -> Embedding:
    """PCA of ``train`` (N, D); ``feats`` projected on the same two axes."""
    mu = train.mean(axis=0)
    centred = train - mu
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:2] if len(vt) >= 2 else np.vstack([vt, np.zeros_like(vt)])[:2]
    var = s ** 2
    explained = [round(float(v / var.sum()), 4) if var.sum() > 0 else 0.0 for v in var[:2]]
    return Embedding(layer, "pca", centred @ axes.T, (feats - mu) @ axes.T, explained,
                     _nearest_centroid(train, train_labels, feats, labels),
                     _nearest_centroid(train, train_labels, train, train_labels))
