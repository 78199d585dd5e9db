"""Labelled photo folders made from synthetic faces, for the diagnosis tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def write_photo_folder(faces, root: Path, brighten: float = 0.0, per_pose: int = 6,
                       upscale: int = 4) -> Path:
    """Up to ``per_pose`` images of each pose from ``faces`` as PNG photos in
    root/<pose>/<person>_<i>.png, enlarged ``upscale`` times and brightened by ``brighten``."""
    counts: dict[str, int] = {}
    for i, rec in enumerate(faces.records):
        if counts.get(rec.pose, 0) >= per_pose:
            continue
        counts[rec.pose] = counts.get(rec.pose, 0) + 1
        img = np.clip(faces.images[i] + brighten, 0, 1)
        im = Image.fromarray(np.round(img * 255).astype(np.uint8), "L")
        im = im.resize((im.width * upscale, im.height * upscale), Image.BILINEAR)
        (root / rec.pose).mkdir(parents=True, exist_ok=True)
        im.save(root / rec.pose / f"{rec.person}_{i}.png")
    return root
