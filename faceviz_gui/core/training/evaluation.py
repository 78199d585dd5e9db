"""Scoring a network on a FaceSet: accuracy, per-person accuracy, confusion, per image.

Works for softmax and linear (MSE) models alike: the prediction is the argmax of the output.
``run_test_set`` rebuilds a run's own test split from split.json and its stored data source,
so `faceviz eval RUN` and the GUI score exactly the images the run never trained on.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from faceviz_gui.core.data.faceset import FaceSet, normalize
from faceviz_gui.core.errors import DataError, RunError
from faceviz_gui.core.training.specs import TASK_CLASSES


@torch.no_grad()
def predict(model: torch.nn.Module, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """The model's outputs (probabilities for softmax models) for [0, 1] images (N, H, W).

    Batches of 64 and channels-last input: 256 images at once ran 2x slower per image on the
    2-core EPYC (their activations spill the caches), and a one-channel image in the default
    layout sends oneDNN down its slow path (bench/predict.py).
    """
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        outs = []
        for start in range(0, len(images), batch_size):
            x = torch.from_numpy(np.ascontiguousarray(images[start:start + batch_size]))
            x = normalize(x.to(device=device, dtype=torch.float32)).unsqueeze(-1).permute(0, 3, 1, 2)
            out = model(x)
            if hasattr(model, "probabilities"):
                out = model.probabilities(out)
            outs.append(out.float().cpu())
        n_out = outs[0].shape[1] if outs else 0
        return torch.cat(outs).numpy() if outs else np.zeros((0, n_out), np.float32)
    finally:
        model.train(was_training)


def evaluate(model: torch.nn.Module, faceset: FaceSet, task: str,
             batch_size: int = 64) -> dict[str, Any]:
    """Accuracy, n, per_person {person: {accuracy, n}}, confusion (rows true, columns
    predicted), classes, and per image: paths, people, labels, predictions, probabilities."""
    classes = list(TASK_CLASSES[task])
    if len(faceset) == 0:
        raise DataError("nothing to evaluate: the data set is empty")
    if faceset.size != tuple(getattr(model, "input_size", faceset.size)):
        raise DataError(f"images are {faceset.size[1]}x{faceset.size[0]} but the network "
                        f"takes {model.input_size[1]}x{model.input_size[0]}")
    labels = faceset.labels(task)
    probs = predict(model, faceset.images, batch_size)
    if probs.shape[1] != len(classes):
        raise RunError(f"the network has {probs.shape[1]} outputs but task {task!r} has "
                       f"{len(classes)} classes")
    pred = probs.argmax(axis=1)
    confusion = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(confusion, (labels, pred), 1)
    people = faceset.people_array()
    per_person = {}
    for person in sorted(set(people.tolist())):
        mask = people == person
        per_person[person] = {"accuracy": float((pred[mask] == labels[mask]).mean()),
                              "n": int(mask.sum())}
    return {"task": task, "classes": classes, "accuracy": float((pred == labels).mean()),
            "n": int(len(labels)), "per_person": per_person, "confusion": confusion.tolist(),
            "labels": labels.tolist(), "predictions": pred.tolist(),
            "probabilities": np.round(probs, 5).tolist(), "people": people.tolist(),
            "paths": [r.path for r in faceset.records]}


def select_by_paths(data: FaceSet, paths: list[str], what: str) -> FaceSet:
    """The images of ``data`` whose paths (or, failing that, file names) are ``paths``."""
    by_path = {r.path: i for i, r in enumerate(data.records)}
    by_name: dict[str, int] = {}
    for i, r in enumerate(data.records):
        by_name.setdefault(Path(r.path).name, i)
    index, missing = [], []
    for p in paths:
        i = by_path.get(p, by_name.get(Path(p).name))
        (index.append(i) if i is not None else missing.append(p))
    if missing:
        raise DataError(f"{len(missing)} of the {len(paths)} {what} images are not in "
                        f"{data.source or 'the data'} any more (first: {missing[0]})")
    return data.subset(index)


def run_test_set(run, data: FaceSet | None = None) -> FaceSet:
    """A run's own test split, rebuilt from split.json and the data source it trained on."""
    split = run.split
    if not split or "test" not in split:
        raise RunError(f"run {run.id} has no split.json; evaluate it with --data instead")
    data = run_data(run, data, "; use --data")
    from faceviz_gui.core.training.face_crops import framed_for
    return framed_for(run.spec, select_by_paths(data, split["test"], "test"))


def run_data(run, data: FaceSet | None = None, hint: str = "") -> FaceSet:
    """``data`` if given, else the data source the run trained on, at its scale."""
    if data is not None:
        return data
    source = run.status.get("data", "")
    if not source:
        raise RunError(f"run {run.id} does not record its data source{hint}")
    from faceviz_gui.core.data import sources
    return sources.load_source(source, run.spec.scale)


def format_report(result: dict[str, Any]) -> str:
    """The evaluation as text: accuracy, per-person accuracy, confusion matrix."""
    classes = result["classes"]
    lines = [f"accuracy {result['accuracy']:.3f} on {result['n']} images ({result['task']})", "",
             "per person:"]
    width = max([len(p) for p in result["per_person"]] + [6])
    for person, row in result["per_person"].items():
        lines.append(f"  {person:<{width}}  {row['accuracy']:6.3f}  n={row['n']}")
    lines += ["", "confusion (rows true, columns predicted):"]
    cw = max(len(c) for c in classes) + 1
    lines.append(" " * (cw + 2) + "".join(f"{c:>{cw}}" for c in classes))
    for c, row in zip(classes, result["confusion"]):
        lines.append(f"  {c:<{cw}}" + "".join(f"{v:>{cw}}" for v in row))
    return "\n".join(lines)
