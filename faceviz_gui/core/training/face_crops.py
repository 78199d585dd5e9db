"""Training images framed the way the live face finder frames a face (``framing = "finder"``).

Live, `faceviz eval --crop-faces` and photo folders never see a CMU shot as CMU framed it:
they see the region faces.cmu_rect derives from the box the Haar cascades found. That box
sits differently on a face looking up, or turned, than CMU's fixed camera framing did, so a
network trained on CMU framing meets other framings at test time (on held-out CMU people,
pose accuracy fell from 0.94 to 0.85 just from re-cropping their own shots). With
``[preprocess] framing = "finder"`` every training, validation and test image is re-cropped
from its full-size CMU shot exactly as the live pipeline would crop it; a shot where no face
is found keeps CMU's framing (the live pipeline would crop the centre). Boxes are found once
per file and kept in the cache folder.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import cv2
import numpy as np

from faceviz_gui.core import atomic, safefiles
from faceviz_gui.core.data.faceset import FaceSet
from faceviz_gui.core.data.pgm import read_pgm
from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.live.faces import Box, FaceDetector, crop_to_cmu
from faceviz_gui.core.tasks import NullReporter, Throttle

UPSAMPLE = 2  # a 128x120 shot at twice its size: the cascades' 24-px window fits its face
_SMALLER = re.compile(r"_(2|4)\.pgm$")
_BOXES: dict[str, dict] = {}  # cache file -> {key: box or None}


def full_size_shot(path: str) -> Path | None:
    """The full-size CMU file of a (possibly _2/_4) CMU file, if it is there."""
    full = Path(_SMALLER.sub(".pgm", path))
    return full if full.is_file() else None


def _cache_file() -> Path:
    from faceviz_gui.core.paths import cache_dir
    return cache_dir() / "finder_boxes.json"


def _load_boxes(cache: Path) -> dict:
    if str(cache) not in _BOXES:
        try:  # a damaged cache (a FIFO, binary, not an object) is an empty one
            boxes = safefiles.read_json(cache) if cache.exists() else {}
        except FaceVizError:
            boxes = {}
        _BOXES[str(cache)] = boxes if isinstance(boxes, dict) else {}
    return _BOXES[str(cache)]


def finder_framed(data: FaceSet, reporter=None, cache: Path | None = None) -> FaceSet:
    """``data`` with each image re-cropped around the face the live finder finds in its
    full-size shot (CMU format only; other images stay as they are)."""
    reporter = reporter or NullReporter()
    cache = cache or _cache_file()
    boxes = _load_boxes(cache)
    detector, throttle, new = None, Throttle(), 0
    images = data.images.copy()
    found = 0
    for i, rec in enumerate(data.records):
        if throttle.ready():
            reporter.report(kind="stage", message=f"framing faces as the live finder does "
                            f"({i} of {len(data)})")
        full = full_size_shot(rec.path) if rec.path else None
        if full is None:
            continue
        big = cv2.resize(np.round(read_pgm(full) * 255).astype(np.uint8), None, fx=UPSAMPLE,
                         fy=UPSAMPLE, interpolation=cv2.INTER_LINEAR)
        key = f"{full.resolve()}|{full.stat().st_mtime_ns}"
        if key not in boxes:
            detector = detector or FaceDetector()
            box = detector.detect(big)
            boxes[key] = None if box is None else [box.x, box.y, box.w, box.h, box.kind, box.score]
            new += 1
        if boxes[key] is None:
            continue
        x, y, w, h, kind, score = boxes[key]
        images[i] = crop_to_cmu(big, Box(x, y, w, h, kind, score), data.size)
        found += 1
    if new:
        try:
            atomic.write_text(cache, json.dumps(boxes), fsync=False)
        except OSError:
            pass  # a cache we cannot write only costs time next run
    reporter.report(kind="stage", message=f"framed {found} of {len(data)} faces as the live "
                    "finder does; the rest keep CMU's framing")
    return FaceSet(images, list(data.records), list(data.skipped), data.source)


def framed_for(spec, data: FaceSet, reporter=None) -> FaceSet:
    """The images a run of ``spec`` trains and is tested on: re-framed when it says so."""
    if getattr(spec.preprocess, "framing", "cmu") == "finder":
        return finder_framed(data, reporter)
    return data
