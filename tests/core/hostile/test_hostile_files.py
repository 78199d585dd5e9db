"""Hostile files (classes 1, 4, 5 of the adversarial round) and the mode of written files.

1: a file name that is not UTF-8 never costs a file (the CSV is written whole, atomically).
4: a 100 GB sparse .pgm and a .pgm linked to /dev/zero are refused by size and kind.
5: a FIFO named like an image is skipped with a reason, never read (which would block).
Issue 13: files FaceViz writes get the user's normal mode, not mkstemp's 0600.
"""
from __future__ import annotations

import csv
import os
import stat

import numpy as np
import pytest
from PIL import Image

from faceviz_gui.core import atomic
from faceviz_gui.core.data.synth import write_synthetic

BAD_NAME = os.fsdecode(b"caf\xe9_\xff.png")  # Latin-1 bytes: not UTF-8


def _photo(path, seed=0):
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 255, (60, 64), dtype=np.uint8)).save(path, format="PNG")


def test_class1_non_utf8_name_keeps_the_csv_whole(cli, refused, run_copy, tmp_path):
    _photo(tmp_path / "photos" / "left" / "ann_1.png")
    out = tmp_path / "out.csv"
    rc, _, err = cli("live", run_copy, tmp_path / "photos", "--no-crop-faces", "--csv", out)
    assert rc == 0, err
    _photo(tmp_path / "other" / "left" / BAD_NAME, seed=1)
    _photo(tmp_path / "other" / "right" / "bob_1.png", seed=2)
    rc, _, err = cli("live", run_copy, tmp_path / "other", "--no-crop-faces", "--csv", out)
    assert rc == 0, err
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert len(rows) == 3 and rows[0][0] == "path"
    assert any(r[0].endswith("caf\\xe9_\\xff.png") for r in rows[1:])
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    # A second run that fails leaves the first CSV as it was, whole
    (tmp_path / "empty" / "left").mkdir(parents=True)
    before = out.read_bytes()
    refused("live", run_copy, tmp_path / "empty", "--no-crop-faces", "--csv", out,
            allowed=[tmp_path / "runs"])
    assert out.read_bytes() == before


def test_class1_non_utf8_names_in_data_check(cli, tmp_path):
    _photo(tmp_path / "ph" / "left" / "ann_1.png")
    (tmp_path / "ph" / "up").mkdir()
    (tmp_path / "ph" / "up" / BAD_NAME).write_bytes(b"not an image")
    rc, out, err = cli("data", "check", tmp_path / "ph")
    assert rc == 0, err
    assert "\\xe9_\\xff.png" in out and "not an image" in out


@pytest.fixture
def hostile_cmu(tmp_path):
    """A one-person CMU folder where one shot is a 100 GB sparse file, one a link to
    /dev/zero, and one a FIFO."""
    root = write_synthetic(tmp_path / "cmu", n_people=1, seed=0)
    person = root / "syn01"
    sparse = person / "syn01_left_happy_open_4.pgm"
    sparse.unlink()
    with open(sparse, "wb") as fh:
        fh.write(b"P5\n32 30\n255\n")
        fh.truncate(100 * 1024 ** 3)
    zero = person / "syn01_right_sad_open_4.pgm"
    zero.unlink()
    zero.symlink_to("/dev/zero")
    fifo = person / "syn01_up_angry_open_4.pgm"
    fifo.unlink()
    os.mkfifo(fifo)
    return root


def test_class4_class5_endless_and_blocking_files_are_skipped(cli, hostile_cmu):
    from faceviz_gui.core.data.cmu import load_cmu
    faces = load_cmu(hostile_cmu, 4)
    reasons = {os.path.basename(s.path): s.reason for s in faces.skipped}
    assert "too large" in reasons["syn01_left_happy_open_4.pgm"]
    assert "character device" in reasons["syn01_right_sad_open_4.pgm"]
    assert "FIFO" in reasons["syn01_up_angry_open_4.pgm"]
    # each bad small file falls back to its full-size shot: no image lost
    assert len(faces) == 32
    rc, out, err = cli("data", "check", hostile_cmu)
    assert rc == 0, err
    assert "FIFO" in out and "character device" in out and "too large" in out


def test_class4_class5_attend_refuses_special_and_huge_files(refused, run_copy, tmp_path):
    os.mkfifo(tmp_path / "x.png")
    (tmp_path / "zero.pgm").symlink_to("/dev/zero")
    with open(tmp_path / "big.png", "wb") as fh:
        fh.truncate(100 * 1024 ** 3)
    for name, words in (("x.png", "FIFO"), ("zero.pgm", "character device"),
                        ("big.png", "too large")):
        refused("attend", run_copy, tmp_path / name, "--out", tmp_path / "att",
                words=(name, words))
    assert not (tmp_path / "att").exists()


def test_class5_fifo_in_a_photo_folder(cli, tmp_path):
    _photo(tmp_path / "ph" / "left" / "ann_1.png")
    os.mkfifo(tmp_path / "ph" / "left" / "x.png")
    rc, out, err = cli("data", "check", tmp_path / "ph")
    assert rc == 0, err
    assert "x.png: cannot read the file: a FIFO (named pipe), not a regular file" in out


def test_class4_spec_and_json_files_are_read_safely(refused, run_copy, tmp_path):
    from faceviz_gui.core.training.runs import Run
    os.mkfifo(tmp_path / "fifo.toml")
    refused("show", tmp_path / "fifo.toml", words=("FIFO",))
    (run_copy / "eval.json").unlink()
    (run_copy / "eval.json").symlink_to("/dev/zero")
    assert Run(run_copy).evaluation() is None  # read nothing, refused by kind


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_written_files_get_the_users_mode(tmp_path, umask):
    old = os.umask(umask)
    try:
        p = atomic.write_text(tmp_path / "a" / "x.html", "hello")
        q = atomic.write_with(tmp_path / "y.png", lambda t: t.write_bytes(b"png"))
    finally:
        os.umask(old)
    for path in (p, q):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_exported_gallery_is_readable_by_others(cli, run_copy, tmp_path):
    old = os.umask(0o022)
    try:
        rc, _, err = cli("maps", run_copy, "--layers", "dense_3", "--steps", "2",
                         "--formats", "png,html", "--out", tmp_path / "gal")
    finally:
        os.umask(old)
    assert rc == 0, err
    files = [p for p in (tmp_path / "gal").rglob("*") if p.is_file()]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in files)


def test_class5_fifo_weights_and_video_never_block(refused, run_copy, tmp_path):
    os.mkfifo(tmp_path / "clip.mp4")
    refused("live", run_copy, tmp_path / "clip.mp4", words=("FIFO",))
    (run_copy / "weights.safetensors").unlink()
    os.mkfifo(run_copy / "weights.safetensors")
    refused("maps", run_copy, "--layers", "dense_3", "--steps", "1", "--out", tmp_path / "g",
            words=("FIFO",))
    (run_copy / "weights.safetensors").unlink()
    (run_copy / "weights.safetensors").symlink_to("/dev/zero")
    refused("attend", run_copy, tmp_path / "clip.mp4", words=("character device",))
