"""A corpus of bad input, generated here: every case is skipped with a reason, never raised,
and a data set left empty is one clear DataError."""
from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from faceviz_gui.core.data.sources import load_cmu, load_image_file, load_images, load_photo_folder
from faceviz_gui.core.errors import DataError

SIZE = (30, 32)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(side: int = 20000) -> bytes:
    """A valid 1-bit side x side PNG, about 50 KB on disk, 400 MP when decoded."""
    comp = zlib.compressobj(9)
    row = b"\x00" * (1 + (side + 7) // 8)
    idat = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat)
            + _png_chunk(b"IEND", b""))


def _png_bytes(**kw) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (40, 40), 128).save(buf, "PNG", **kw)
    return buf.getvalue()


def _jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


BAD_FILES = {
    "truncated.pgm": b"P5\n32 30\n255\n" + bytes(100),
    "truncated_ascii.pgm": b"P2\n32 30\n255\n1 2 3 4\n",
    "wrong_magic.pgm": b"P7\n32 30\n255\n" + bytes(960),
    "zero_bytes.pgm": b"",
    "text_named.pgm": b"this is a shopping list, not a picture\n",
    "huge_header.pgm": b"P5\n999999 999999\n255\n" + bytes(10),
    "corrupt_header.pgm": b"P5\nthirty two\n",
    "text_named.png": b"hello, world\n" * 10,
    "zero_bytes.jpg": b"",
    "truncated.png": _png_bytes()[:60],
    "truncated.jpg": _jpeg_bytes()[:300],
    "garbage.gif": b"GIF89a" + os.urandom(50),
    "bomb.png": bomb_png(),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bad")
    for name, data in BAD_FILES.items():
        (root / name).write_bytes(data)
    (root / "folder_named.png").mkdir()  # unreadable as a file: what chmod 000 does for a user
    return root


@pytest.mark.parametrize("name", sorted(BAD_FILES) + ["folder_named.png"])
def test_each_bad_file_gives_a_reason(corpus, name):
    image, reason = load_image_file(corpus / name, SIZE)
    assert image is None
    assert isinstance(reason, str) and len(reason) > 5


def test_reasons_say_what_is_wrong(corpus):
    reason = lambda n: load_image_file(corpus / n, SIZE)[1]
    assert "truncated" in reason("truncated.pgm")
    assert "magic" in reason("wrong_magic.pgm")
    assert "empty" in reason("zero_bytes.pgm") and "empty" in reason("zero_bytes.jpg")
    assert "too large" in reason("huge_header.pgm")
    assert "too large" in reason("bomb.png")
    assert "not an image" in reason("text_named.png")
    assert "folder" in reason("folder_named.png")


def test_unreadable_file(tmp_path):
    path = tmp_path / "locked.png"
    path.write_bytes(_png_bytes())
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: chmod 000 does not block reads "
                        "(folder_named.png in the corpus covers an unreadable path)")
        image, reason = load_image_file(path, SIZE)
        assert image is None and "permission" in reason
    finally:
        path.chmod(0o644)


def test_missing_file():
    image, reason = load_image_file("/nonexistent/x.png", SIZE)
    assert image is None and "not found" in reason


def test_photo_folder_skips_bad_files_and_keeps_good_ones(corpus, tmp_path):
    left = tmp_path / "photos" / "left"
    left.mkdir(parents=True)
    for name, data in BAD_FILES.items():
        (left / name).write_bytes(data)
    (left / "folder_named.png").mkdir()
    Image.new("L", (50, 60), 90).save(left / "good.png")
    (left / "readme.txt").write_text("notes")
    faces = load_photo_folder(tmp_path / "photos", SIZE)
    assert len(faces) == 1 and faces.records[0].pose == "left"
    skipped = {Path(s.path).name: s.reason for s in faces.skipped}
    assert set(skipped) == set(BAD_FILES) | {"folder_named.png", "readme.txt"}


def test_cmu_folder_of_only_bad_files_is_one_clear_error(tmp_path):
    person = tmp_path / "cmu" / "xx"
    person.mkdir(parents=True)
    (person / "xx_left_happy_open_2.pgm").write_bytes(b"P5\n64 60\n255\n" + bytes(5))
    (person / "xx_up_sad_open_2.pgm").write_bytes(b"")
    with pytest.raises(DataError, match="no usable images.*truncated"):
        load_cmu(tmp_path / "cmu", 2)


def test_empty_folder_is_one_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="looked for"):
        load_images(tmp_path / "empty", 2)


def test_folder_without_recognisable_names_is_one_clear_error(tmp_path):
    folder = tmp_path / "holiday"
    (folder / "beach").mkdir(parents=True)
    Image.new("RGB", (40, 40)).save(folder / "beach" / "sun.jpg")
    (folder / "face_3.pgm").write_bytes(b"P5\n2 2\n255\n\x00\x00\x00\x00")
    with pytest.raises(DataError, match="left, right"):
        load_images(folder, 2)


def test_missing_folder_and_file_instead_of_folder(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_images(tmp_path / "nope", 2)
    (tmp_path / "a.png").write_bytes(_png_bytes())
    with pytest.raises(DataError, match="not a folder"):
        load_images(tmp_path / "a.png", 2)


def test_bad_scale():
    with pytest.raises(DataError, match="scale"):
        load_images(".", 3)
