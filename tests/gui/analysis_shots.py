"""Screenshots of the analysis views: written where FACEVIZ_SCREENSHOTS points (to look at
them), else into the test's tmp folder; each must show something (not one flat colour)."""
from __future__ import annotations

import os
from pathlib import Path


def save_shot(widget, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FACEVIZ_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    image = widget.grab().toImage()
    assert image.save(str(path)), path
    step = max(1, image.width() // 40)
    colours = {image.pixel(x, y) for x in range(0, image.width(), step)
               for y in range(0, image.height(), step)}
    assert len(colours) > 20, f"{name} screenshot is nearly blank"
    return path
