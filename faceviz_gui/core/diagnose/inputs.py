"""The images a diagnosis looks at: the folder's (cropped or not) and the run's own training
and test images, each with where its face is in the network's input.

The folder is read by the live pipeline's reader (faces found and cropped to CMU framing) or,
for a CMU-format folder without cropping, by the CMU loader training used. The training
images are the run's own training split rebuilt from its data source and framed as it
trained (as run_test_set does for the test split), sampled to a fixed number so a diagnosis
takes the same time on any data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from faceviz_gui.core.data.faceset import FaceSet, Skipped
from faceviz_gui.core.errors import DataError, RunError
from faceviz_gui.core.live.faces import FRAMING, cmu_rect

FRAME_SIZE = 480    # the decoded photo kept (longest side) so framing can be re-cropped


@dataclass
class ImageSet:
    """Images at the network's input size, [0, 1] grey, with labels and face boxes."""
    images: np.ndarray            # float32 (N, H, W)
    labels: np.ndarray            # class index per image
    flipped: np.ndarray           # class index each image would have mirrored
    people: list[str]
    paths: list[str]
    face_boxes: np.ndarray        # (N, 4) x, y, w, h in input pixels
    source: str = ""
    frames: list = field(default_factory=list)   # uint8 grey photo per image (may be empty)
    rects: list = field(default_factory=list)    # CMU crop rect in frame pixels per image
    skipped: list[Skipped] = field(default_factory=list)
    faces_found: int = -1         # -1: no face finding was done

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index) -> "ImageSet":
        index = list(index)
        pick = (lambda xs: [xs[i] for i in index] if len(xs) == len(self) else [])
        return ImageSet(self.images[index], self.labels[index], self.flipped[index],
                        pick(self.people), pick(self.paths), self.face_boxes[index], self.source,
                        pick(self.frames), pick(self.rects), [], self.faces_found)


def face_box(kind: str, size: tuple[int, int]) -> tuple[float, float, float, float]:
    """Where CMU framing puts a face of detector ``kind`` in an (H, W) input: (x, y, w, h).
    Crops are cut so the found face lands exactly there, and CMU images are framed so."""
    fx, fy, fw = FRAMING.get(kind, FRAMING["frontal"])
    h, w = size
    bw = fw * w
    return fx * w - bw / 2, fy * h - bw / 2, bw, bw


def _image_set(faces: FaceSet, task: str, boxes, source: str) -> ImageSet:
    from faceviz_gui.core.training.augment import flipped_labels
    labels = faces.labels(task)
    return ImageSet(faces.images, labels, flipped_labels(faces, task),
                    [r.person for r in faces.records], [r.path for r in faces.records],
                    np.asarray(boxes, dtype=np.float32).reshape(-1, 4), source,
                    skipped=list(faces.skipped))


def load_folder(run, root, crop_faces: bool, reporter=None) -> ImageSet:
    """The labelled folder ``root`` as the run's network sees it."""
    from faceviz_gui.core.data.sources import has_cmu_files, load_images
    from faceviz_gui.core.live.faces_folder import crop_folder

    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataError(f"data folder not found: {root}")
    spec = run.spec
    size = tuple(spec.input_size)
    if not crop_faces and has_cmu_files(root):
        faces = load_images(root, spec.scale, reporter=reporter)
        out = _image_set(faces, spec.task, [face_box("frontal", size)] * len(faces), str(root))
    else:
        folder = crop_folder(root, size, reporter, thumb_size=FRAME_SIZE, find_faces=crop_faces)
        faces = folder.faceset
        kinds = [b.kind if b is not None else "frontal" for b in folder.boxes]
        out = _image_set(faces, spec.task, [face_box(k, size) for k in kinds], str(root))
        out.frames = folder.thumbnails
        for box, shape, thumb in zip(folder.boxes, folder.frame_sizes, folder.thumbnails):
            s = thumb.shape[0] / shape[0]
            if box is None:
                from faceviz_gui.core.live.faces import centred_rect
                out.rects.append(centred_rect(thumb.shape))
            else:
                out.rects.append(cmu_rect(box.scaled(s)))
        out.faces_found = folder.n_found if crop_faces else -1
    if len(out) == 0:
        raise DataError(f"no usable images in {root}")
    present = sorted(set(out.labels.tolist()))
    if len(present) < 2:
        name = spec.classes[present[0]]
        raise DataError(f"{root} holds only one class for task {spec.task!r} ({name}): a "
                        f"diagnosis needs images of at least two classes")
    return out


def run_images(run, data: FaceSet | None = None, n_train: int = 200, n_test: int = 100,
               seed: int = 0) -> tuple[ImageSet, ImageSet | None]:
    """A sample of the run's training split and of its test split (None if it has none),
    rebuilt from split.json and its data source (or ``data`` when given)."""
    from faceviz_gui.core.training.evaluation import run_data, select_by_paths
    from faceviz_gui.core.training.face_crops import framed_for

    split = run.split
    if not split or not split.get("train"):
        raise RunError(f"run {run.id} has no split.json: its training images are unknown")
    from faceviz_gui.core.training.synthetic_mix import with_synthetic
    data = with_synthetic(run_data(run, data), run.spec)  # [data] synthetic people: training
    size = tuple(run.spec.input_size)
    rng = np.random.default_rng(seed)
    sets = []
    for part, n in (("train", n_train), ("test", n_test)):
        paths = split.get(part) or []
        if not paths:
            sets.append(None)
            continue
        pick = sorted(rng.choice(len(paths), min(n, len(paths)), replace=False).tolist())
        # framed as the run trained (and run_test_set scores): [preprocess] framing
        faces = framed_for(run.spec, select_by_paths(data, [paths[i] for i in pick], part))
        sets.append(_image_set(faces, run.spec.task, [face_box("frontal", size)] * len(faces),
                               f"{part} split"))
    return sets[0], sets[1]
