"""FaceSet: images in memory with what is known of each, shared by every loader.

Images are float32 grey in [0, 1], shape (N, H, W), at one size. ``normalize`` turns them into
network input; training, HappyMaps, attention and live testing all use it, so a photo is
preprocessed exactly as training data was.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from faceviz_gui.core.errors import DataError
from faceviz_gui.core.training.specs import TASK_CLASSES

# Fixed, not per data set: maps and attention stay comparable across runs and data sets.
PIXEL_MEAN = 0.5
PIXEL_STD = 0.25


def normalize(images):
    """[0, 1] grey (numpy or torch) -> network input."""
    return (images - PIXEL_MEAN) / PIXEL_STD


def denormalize(x):
    return x * PIXEL_STD + PIXEL_MEAN


@dataclass(frozen=True)
class FaceRecord:
    """What is known of one image. Unknown attributes are "" (photo folders know only pose)."""
    person: str
    pose: str
    expression: str = ""
    eyes: str = ""
    scale: int = 0        # 1, 2 or 4 for CMU-format files; 0 for photos
    path: str = ""


@dataclass(frozen=True)
class Skipped:
    """A file a loader could not use, and why (shown to the user, never raised)."""
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class FaceSet:
    images: np.ndarray                       # float32 (N, H, W) in [0, 1]
    records: list[FaceRecord]
    skipped: list[Skipped] = field(default_factory=list)
    source: str = ""                         # folder it came from, or "synthetic"

    def __post_init__(self) -> None:
        if len(self.images) != len(self.records):
            raise ValueError("images and records differ in length")

    def __len__(self) -> int:
        return len(self.records)

    @property
    def size(self) -> tuple[int, int]:
        """(height, width)."""
        return tuple(self.images.shape[1:3])

    @property
    def people(self) -> list[str]:
        return sorted({r.person for r in self.records})

    def subset(self, index: Sequence[int] | np.ndarray) -> "FaceSet":
        index = np.asarray(index, dtype=np.int64)
        return FaceSet(self.images[index], [self.records[i] for i in index], [], self.source)

    def labels(self, task: str) -> np.ndarray:
        """Class indices for ``task``; a clear error if the data does not know that attribute."""
        classes = TASK_CLASSES[task]
        if task == "left":
            return np.array([int(r.pose == "left") for r in self.records], dtype=np.int64)
        attr = {"pose": "pose", "expression": "expression", "eyes": "eyes"}[task]
        values = [getattr(r, attr) for r in self.records]
        unknown = sorted({v for v in values if v not in classes})
        if unknown:
            raise DataError(f"task {task!r} needs labels {', '.join(classes)}; "
                            f"this data has {', '.join(repr(u) for u in unknown[:5])}")
        return np.array([classes.index(v) for v in values], dtype=np.int64)

    def people_array(self) -> np.ndarray:
        return np.array([r.person for r in self.records])
