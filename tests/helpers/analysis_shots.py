"""Screenshots of the analysis views (panel only): FACEVIZ_SCREENSHOTS=1 writes them to
docs/screenshots/ beside the app's whole-window shots, any other value names a folder, and
unset they go to the test's tmp folder; each must show something (not one flat colour)."""
from __future__ import annotations

import os
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def save_shot(widget, name: str, tmp_path: Path) -> Path:
    want = os.environ.get("FACEVIZ_SCREENSHOTS", "")
    folder = DOCS if want == "1" else Path(want) if want else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    image = widget.grab().toImage()
    assert image.save(str(path)), path
    step = max(1, image.width() // 40)
    colours = {image.pixel(x, y) for x in range(0, image.width(), step)
               for y in range(0, image.height(), step)}
    assert len(colours) > 20, f"{name} screenshot is nearly blank"
    return path
