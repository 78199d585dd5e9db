"""Score a run on a labelled folder of photos, one row per photo, with attention.

The question the blog could not answer: the networks did well on CMU test shots and badly on
photos of three coworkers, so which photos fail, and where did the network look? Each photo's
face is found and cropped to CMU framing (faces.crop_folder), predicted, and explained with an
attention map; the table keeps thumbnails so a viewer needs nothing else.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from faceviz_gui.core import atomic
from faceviz_gui.core.data.faceset import FaceSet, Skipped, normalize
from faceviz_gui.core.errors import RunError
from faceviz_gui.core.live.faces_folder import crop_files, crop_folder, loose_files
from faceviz_gui.core.tasks import NullReporter, Throttle
from faceviz_gui.core.training.evaluation import evaluate, predict

CSV_FIELDS = ("path", "person", "true", "predicted", "confidence", "correct", "face_found",
              "face_box")


@dataclass
class PhotoRow:
    path: str
    person: str
    true: str
    predicted: str
    confidence: float          # probability of the prediction (raw output for linear models)
    outputs: dict[str, float]
    face_box: tuple | None     # (x, y, w, h) in the photo's pixels; None: centred crop
    thumbnail: np.ndarray | None  # uint8 grey, the whole photo, small
    crop: np.ndarray           # float32 (H, W) [0, 1]: what the network saw
    heatmap: np.ndarray | None  # float32 (H, W) [0, 1]

    @property
    def labelled(self) -> bool:
        return bool(self.true)

    @property
    def correct(self) -> bool:
        return self.labelled and self.true == self.predicted


@dataclass
class PhotoEvaluation:
    run_id: str
    task: str
    classes: list[str]
    root: str
    method: str
    crop_faces: bool
    rows: list[PhotoRow]
    summary: dict[str, Any]          # evaluation.evaluate: accuracy, per_person, confusion...
    skipped: list[Skipped] = field(default_factory=list)
    stopped: bool = False

    @property
    def accuracy(self) -> float:
        return float(self.summary.get("accuracy", 0.0))

    @property
    def n_faces_found(self) -> int:
        return sum(r.face_box is not None for r in self.rows)

    def write_csv(self, path: str | Path) -> Path:
        # Built in memory, then written atomically: a failure (a file name that is not
        # UTF-8, a full disk) leaves the previous CSV whole instead of a header alone.
        fh = io.StringIO(newline="")
        w = csv.writer(fh)
        w.writerow(list(CSV_FIELDS) + [f"out_{c}" for c in self.classes])
        for r in self.rows:
            box = "" if r.face_box is None else " ".join(str(int(round(v))) for v in r.face_box)
            w.writerow([r.path, r.person, r.true, r.predicted, f"{r.confidence:.4f}",
                        int(r.correct) if r.labelled else "", int(r.face_box is not None), box]
                       + [f"{r.outputs[c]:.4f}" for c in self.classes])
        for s in self.skipped:
            w.writerow([s.path, "", "", "", "", "", "", f"skipped: {s.reason}"])
        return atomic.write_text(path, fh.getvalue())

    def to_json(self) -> dict[str, Any]:
        """The headless report (`faceviz eval --crop-faces --json`): no images."""
        keep = ("accuracy", "n", "per_person", "confusion", "classes", "task")
        return {"run": self.run_id, "data": self.root, "method": self.method,
                "crop_faces": self.crop_faces, "faces_found": self.n_faces_found,
                **{k: self.summary[k] for k in keep if k in self.summary},
                "images": [{"path": r.path, "person": r.person, "true": r.true,
                            "predicted": r.predicted, "confidence": r.confidence,
                            "face_box": r.face_box} for r in self.rows],
                "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped]}


def evaluate_folder(run, root, crop_faces: bool = True, method: str = "gradcam",
                    reporter=None, thumb_size: int = 96) -> PhotoEvaluation:
    """Every labelled photo under ``root`` scored by ``run`` (a Run), with attention maps
    (``method`` "none" skips them). ``root`` may also be a list of photo files: those in a
    folder named like a pose are labelled by it, the rest are predicted but not scored.
    Stops early, with the rows so far, when asked."""
    from faceviz_gui.core.attention.methods import attribute

    reporter = reporter or NullReporter()
    if not run.has_weights:
        raise RunError(f"run {run.id} has no weights yet: train it first")
    model = run.load_model("cpu")
    task = run.spec.task
    size = tuple(model.input_size)
    if isinstance(root, (list, tuple)):
        reporter.report(kind="stage", message=f"finding faces in {len(root)} photos")
        folder = crop_files(loose_files(root), size, reporter, thumb_size, crop_faces,
                            source=f"{len(root)} photos")
        where = folder.faceset.source
    else:
        reporter.report(kind="stage", message=f"finding faces in {Path(root).name}")
        folder = crop_folder(root, size, reporter, thumb_size=thumb_size, find_faces=crop_faces)
        where = str(root)
    data: FaceSet = folder.faceset
    labelled = [i for i, r in enumerate(data.records) if r.pose]
    classes = list(model.classes)
    outs_all = predict(model, data.images)
    summary: dict[str, Any] = {"task": task, "classes": classes, "accuracy": 0.0, "n": 0,
                               "per_person": {}, "confusion": []}
    truth: dict[int, str] = {}
    if labelled:  # DataError when the task needs labels photo folders do not have
        summary = evaluate(model, data.subset(labelled), task)
        truth = {i: classes[y] for i, y in zip(labelled, summary["labels"])}
    rows: list[PhotoRow] = []
    throttle = Throttle()
    stopped = False
    for i, rec in enumerate(data.records):
        if reporter.should_stop():
            stopped = True
            break
        if throttle.ready():
            reporter.report(kind="progress", done=i, total=len(data),
                            message=f"attention ({method})")
        outs = np.asarray(outs_all[i], dtype=np.float32)
        pred = int(outs.argmax())
        heat = None
        if method != "none":
            heat = attribute(model, normalize(data.images[i]), method, target=pred).heatmap
        box = folder.boxes[i]
        rows.append(PhotoRow(
            rec.path, rec.person, truth.get(i, ""), classes[pred],
            float(outs[pred]), {c: float(v) for c, v in zip(classes, outs)},
            None if box is None else (box.x, box.y, box.w, box.h),
            folder.thumbnails[i] if folder.thumbnails else None, data.images[i], heat))
    reporter.report(kind="progress", done=len(rows), total=len(data), message="done")
    return PhotoEvaluation(run.id, task, classes, where, method, crop_faces, rows, summary,
                           list(data.skipped), stopped)
