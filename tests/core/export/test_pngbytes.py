"""The numpy/zlib PNG writer: what Pillow reads back is what was written, in every mode."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from faceviz_gui.core.export.pngbytes import png_bytes
from faceviz_gui.core.export.sheets import _percentiles


@pytest.mark.parametrize("mode,shape", [("L", (60, 64)), ("RGB", (37, 51, 3)), ("RGBA", (5, 3, 4))])
@pytest.mark.parametrize("level", [0, 1, 3, 9])
def test_pillow_reads_back_every_pixel(mode, shape, level):
    pixels = np.random.default_rng(level).integers(0, 256, size=shape, dtype=np.uint8)
    back = Image.open(io.BytesIO(png_bytes(Image.fromarray(pixels, mode=mode), level)))
    back.load()                                    # CRCs and zlib stream checked here
    assert back.mode == mode and np.array_equal(np.asarray(back), pixels)


def test_other_modes_go_through_pillow():
    pal = Image.new("P", (9, 7), 3)
    pal.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 10, 20, 30])
    back = Image.open(io.BytesIO(png_bytes(pal)))
    assert back.mode == "P" and back.getpixel((4, 4)) == 3


def test_flat_pictures_compress():
    grey = Image.new("L", (256, 240), 128)
    assert len(png_bytes(grey, 1)) < 2000


def test_percentiles_equal_numpys():
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 100, 3840, 3841):
        x = rng.random(n).astype(np.float32)
        assert _percentiles(x, (0.01, 0.99)) == [float(v) for v in np.percentile(x, [1, 99])]
