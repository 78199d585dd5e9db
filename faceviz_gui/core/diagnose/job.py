"""diagnose(run, folder): the whole diagnosis as one Reporter-taking job (no Qt).

Stages, each reported and each ending early on a stop request: read the folder (faces found
and cropped when asked) and the run's training and test images; predict; sweep every factor
over both; attention shares; per-layer activation shift; the embedding; the findings.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from faceviz_gui.core.diagnose import attention_share, domain_gap, embedding, findings, sensitivity
from faceviz_gui.core.diagnose.inputs import ImageSet, load_folder, run_images
from faceviz_gui.core.diagnose.perturb import FACTOR_NAMES
from faceviz_gui.core.errors import FaceVizError, RunError
from faceviz_gui.core.tasks import NullReporter
from faceviz_gui.core.training.evaluation import predict

N_FACTORS = len(FACTOR_NAMES)
TOTAL = 2 * N_FACTORS + 8     # progress steps: see diagnose()
N_SWEEP_TRAIN = 64            # training images swept: the reference curves need only their shape


@dataclass
class Diagnosis:
    run_id: str
    experiment: str
    task: str
    classes: list[str]
    root: str
    crop_faces: bool
    folder: ImageSet
    probs: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    train: ImageSet | None = None
    curves: dict = field(default_factory=dict)
    train_curves: dict = field(default_factory=dict)
    covered: dict = field(default_factory=dict)
    gaps: dict = field(default_factory=dict)
    folder_stats: dict = field(default_factory=dict)
    train_stats: dict = field(default_factory=dict)
    attention: attention_share.AttentionStats | None = None
    attention_summary: dict = field(default_factory=dict)
    shifts: list = field(default_factory=list)
    breaking: Any = None
    embedding: embedding.Embedding | None = None
    features: dict = field(default_factory=dict)   # layer -> (training, folder) features
    findings: list[str] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    stopped: bool = False

    @property
    def n(self) -> int:
        return len(self.folder)

    @property
    def predictions(self) -> np.ndarray:
        return self.probs.argmax(axis=1) if self.probs.size else np.zeros(0, np.int64)

    @property
    def correct(self) -> np.ndarray:
        return self.predictions == self.folder.labels[:len(self.predictions)]

    @property
    def accuracy(self) -> float:
        return float(self.correct.mean()) if self.probs.size else 0.0

    def mistakes(self) -> list[int]:
        """Wrong images, most confident first."""
        wrong = np.flatnonzero(~self.correct)
        conf = self.probs[wrong, self.predictions[wrong]]
        return wrong[np.argsort(-conf, kind="stable")].tolist()

    def to_json(self) -> dict[str, Any]:
        """The `faceviz diagnose --json` object."""
        return {"run": self.run_id, "experiment": self.experiment, "task": self.task,
                "data": self.root, "crop_faces": self.crop_faces, "n": self.n,
                "accuracy": round(self.accuracy, 4), "classes": self.classes,
                "faces_found": self.folder.faces_found,
                "factors": {k: {"values": c.values, "accuracy": c.accuracy, "p_true": c.p_true,
                                "balanced_accuracy": c.balanced,
                                "train_accuracy": self.train_curves[k].accuracy
                                if k in self.train_curves else None,
                                "covered": self.covered.get(k), "gap": self.gaps.get(k)}
                            for k, c in self.curves.items()},
                "attention": self.attention_summary,
                "embedding": self.embedding.to_json() if self.embedding else None,
                "layers": [s.to_json() for s in self.shifts],
                "breaking_layer": self.breaking.layer if self.breaking else None,
                "pixels": {"folder": self.folder_stats, "training": self.train_stats},
                "mistakes": [{"path": self.folder.paths[i], "true": self.classes[self.folder.labels[i]],
                              "predicted": self.classes[self.predictions[i]],
                              "confidence": round(float(self.probs[i].max()), 4)}
                             for i in self.mistakes()] if self.probs.size else [],
                "skipped": [{"path": s.path, "reason": s.reason} for s in self.folder.skipped],
                "findings": self.findings, "seconds": self.timings, "stopped": self.stopped}


class _Clock:
    def __init__(self, timings: dict):
        self.timings, self.t = timings, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self.t, 3)
        self.t = now


def diagnose(run, root, crop_faces: bool = False, layer: str | None = None,
             method: str = "gradcam", reporter=None, train_data=None, n_train: int = 200,
             folder: ImageSet | None = None) -> Diagnosis:
    """The diagnosis of ``run`` (a Run) on the labelled folder ``root``. ``train_data`` is
    the data set the run trained on when its recorded source is not at hand; ``folder`` the
    folder already read for another run of the same input size and task (A and B side by
    side read it once)."""
    reporter = reporter or NullReporter()
    if not run.has_weights:
        raise RunError(f"run {run.id} has no weights yet: train it first")
    from faceviz_gui.core.attention.methods import METHODS
    if method not in METHODS:   # before minutes of work, not after
        raise FaceVizError(f"unknown attention method {method!r} (known: {', '.join(METHODS)})")
    model = run.load_model("cpu")
    layer = embedding.check_layer(model, layer)
    timings: dict = {}
    clock = _Clock(timings)

    def step(done: int, message: str) -> bool:
        reporter.report(kind="progress", done=done, total=TOTAL, message=message)
        return reporter.should_stop()

    step(0, f"reading {Path(root).name}")
    if folder is None:
        folder = load_folder(run, root, crop_faces, reporter)
    d = Diagnosis(run.id, run.spec.name, run.spec.task, list(run.spec.classes), str(root),
                  crop_faces, folder, timings=timings)
    if step(1, "reading the run's training images"):
        return _stopped(d)
    train, test = run_images(run, train_data, n_train=n_train)
    d.train = train
    clock.lap("read")
    if step(2, "predicting"):
        return _stopped(d)
    d.probs = predict(model, folder.images, sensitivity.BATCH)
    d.folder_stats = domain_gap.pixel_stats(folder.images, folder.face_boxes)
    d.train_stats = domain_gap.pixel_stats(train.images, train.face_boxes)
    d.covered = sensitivity.covered_ranges(run.spec, d.train_stats, d.folder_stats)
    d.gaps = sensitivity.gaps(d.train_stats, d.folder_stats)
    clock.lap("predict")
    match_to = (d.train_stats["brightness"], d.train_stats["contrast"])
    d.curves = sensitivity.sweep(model, folder, reporter, 3, TOTAL, what="folder",
                                 match_to=match_to)
    few = np.random.default_rng(1).permutation(len(train))[:N_SWEEP_TRAIN]
    d.train_curves = sensitivity.sweep(model, train.subset(sorted(few)), reporter, 3 + N_FACTORS,
                                       TOTAL, what="training", match_to=match_to)
    clock.lap("sensitivity")
    if reporter.should_stop():
        return _stopped(d)
    at = 3 + 2 * N_FACTORS
    step(at, f"attention ({method})")
    d.attention = attention_share.attend_all(model, folder.images, folder.face_boxes, method, reporter)
    step(at + 1, f"attention ({method}) on training images")
    train_att = attention_share.attend_all(model, train.images, train.face_boxes, method, reporter)
    if reporter.should_stop():
        return _stopped(d)
    d.attention_summary = attention_share.summary(d.attention, folder.labels, d.correct,
                                                  d.classes, train_att)
    clock.lap("attention")
    if step(at + 2, "activations per layer"):
        return _stopped(d)
    tf = domain_gap.layer_features(model, train.images)
    ff = domain_gap.layer_features(model, folder.images)
    sf = domain_gap.layer_features(model, test.images) if test is not None else None
    d.shifts = domain_gap.layer_shifts(model, tf, ff, sf)
    d.breaking = domain_gap.breaking_layer(d.shifts)
    d.embedding = embedding.pca_embedding(layer, tf[layer], train.labels, ff[layer], folder.labels)
    d.features = {k: (tf[k], ff[k]) for k in tf if not k.endswith(":peak")}
    clock.lap("layers")
    step(at + 3, "findings")
    d.findings = findings.write(d)
    clock.lap("findings")
    timings["total"] = round(sum(v for k, v in timings.items() if k != "total"), 3)
    reporter.report(kind="progress", done=TOTAL, total=TOTAL, message="done")
    return d


def _stopped(d: Diagnosis) -> Diagnosis:
    d.stopped = True
    d.findings = ["The diagnosis was stopped before it finished."]
    return d
