"""The CMU reader and the PGM codec, on written synthetic files and on the real CMU copy."""
from __future__ import annotations

import numpy as np
import pytest

from faceviz_gui.core.data.pgm import PGMError, decode_pgm, encode_pgm
from faceviz_gui.core.data.sources import load_cmu, load_images, parse_cmu_name
from faceviz_gui.core.data.synth import write_synthetic
from faceviz_gui.core.errors import DataError
from faceviz_gui.core.training.specs import SCALE_SIZES


@pytest.fixture(scope="module")
def syn_dir(tmp_path_factory):
    return write_synthetic(tmp_path_factory.mktemp("syn") / "faces", n_people=2, seed=1)


@pytest.mark.parametrize("ascii", [True, False])
@pytest.mark.parametrize("maxval", [1, 119, 255, 4095])
def test_pgm_round_trip_scales_by_maxval(ascii, maxval):
    levels = np.random.default_rng(maxval).integers(0, maxval + 1, size=(7, 9))
    image = decode_pgm(encode_pgm(levels, maxval, ascii))
    assert image.shape == (7, 9) and image.dtype == np.float32
    np.testing.assert_allclose(image, levels / maxval, atol=1e-6)


def test_pgm_header_comments_and_whitespace():
    data = b"P5 # a comment\n# another\n 3\t2\n255\n" + bytes([0, 51, 102, 153, 204, 255])
    np.testing.assert_allclose(decode_pgm(data).ravel(), np.arange(6) / 5, atol=1e-6)


@pytest.mark.parametrize("data, words", [
    (b"P5\n4 4\n255\n\x00\x01", "truncated"),
    (b"P2\n4 4\n255\n1 2 3", "truncated"),
    (b"P6\n4 4\n255\n" + bytes(48), "magic"),
    (b"P5\n100000 100000\n255\n", "too large"),
    (b"P5\n4 4\n70000\n", "maxval"),
    (b"P2\n2 1\n10\n5 99\n", "above maxval"),
    (b"P5\n4", "header"),
    (b"P2\n2 1\n255\n\xff\xfe\n", "non-text"),
])
def test_pgm_rejects_bad_files_with_a_reason(data, words):
    with pytest.raises(PGMError, match=words):
        decode_pgm(data)


def test_cmu_name_parsing():
    assert parse_cmu_name("an2i_left_angry_open_2.pgm") == {
        "person": "an2i", "pose": "left", "expression": "angry", "eyes": "open", "scale": 2}
    assert parse_cmu_name("an2i_left_angry_open.pgm")["scale"] == 1
    for bad in ("an2i_left_angry_open.bad", "an2i_sideways_angry_open.pgm",
                "an2i_left_angry_open_3.pgm", "left_angry_open.pgm"):
        assert parse_cmu_name(bad) is None


@pytest.mark.parametrize("scale", [1, 2, 4])
def test_reads_every_scale_with_records(syn_dir, scale):
    faces = load_cmu(syn_dir, scale)
    assert len(faces) == 64 and faces.size == SCALE_SIZES[scale]
    assert faces.people == ["syn01", "syn02"]
    assert faces.images.dtype == np.float32
    assert 0 <= faces.images.min() and faces.images.max() <= 1
    r = faces.records[0]
    assert (r.person, r.pose, r.expression, r.eyes, r.scale) == (
        "syn01", "left", "angry", "open", scale)
    assert r.path.endswith("syn01_left_angry_open" + ("" if scale == 1 else f"_{scale}") + ".pgm")


def test_people_filter_and_unknown_person(syn_dir):
    assert load_cmu(syn_dir, 4, people=["syn02"]).people == ["syn02"]
    with pytest.raises(DataError, match="nobody"):
        load_cmu(syn_dir, 4, people=["nobody"])


def test_missing_small_file_is_made_from_the_full_one(tmp_path, syn_dir):
    import shutil
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(syn_dir / "syn01" / "syn01_up_sad_open.pgm", folder)
    shutil.copy(syn_dir / "syn01" / "syn01_up_sad_open_4.pgm", folder)
    derived = load_cmu(folder, 2)
    direct = load_cmu(syn_dir, 2, people=["syn01"])
    i = [r.path.endswith("syn01_up_sad_open_2.pgm") for r in direct.records].index(True)
    assert len(derived) == 1
    np.testing.assert_allclose(derived.images[0], direct.images[i], atol=1 / 119 + 1e-6)


def test_bad_files_are_skipped_not_fatal(tmp_path, syn_dir):
    import shutil
    folder = tmp_path / "mixed"
    shutil.copytree(syn_dir / "syn01", folder / "syn01")
    (folder / "syn01" / "syn01_up_sad_open_4.pgm").write_bytes(b"P5\n32 30\n255\n\x00")
    (folder / "syn01" / "syn01_up_happy_open.bad").write_bytes(b"P2 whatever")
    (folder / "syn01" / "notes_4.pgm").write_text("hello")
    faces = load_cmu(folder, 4)
    assert len(faces) == 32  # the broken _4 file is replaced by its full-size shot, shrunk
    fallback = [r for r in faces.records if (r.pose, r.expression, r.eyes) == ("up", "sad", "open")]
    assert fallback[0].path.endswith("syn01_up_sad_open.pgm")
    reasons = {s.path.rsplit("/", 1)[-1]: s.reason for s in faces.skipped}
    assert "truncated" in reasons["syn01_up_sad_open_4.pgm"]
    assert "CMU" in reasons["notes_4.pgm"] or "name" in reasons["notes_4.pgm"]
    assert not any(s.path.endswith(".bad") for s in faces.skipped)


@pytest.mark.cmu
def test_real_cmu_faces(cmu_dir):
    faces = load_images(cmu_dir, 2)
    assert len(faces.people) == 17
    assert faces.size == (60, 64)
    assert not faces.skipped
    assert not any(r.path.endswith(".bad") for r in faces.records)
    # 16 shots of 640 are .bad; whoever is here has at most 32 each
    counts = {p: sum(r.person == p for r in faces.records) for p in faces.people}
    assert max(counts.values()) == 32 and 450 < len(faces) <= 17 * 32
    left = [r for r in faces.records if r.path.endswith("an2i_left_neutral_open_2.pgm")]
    assert left and left[0].pose == "left" and faces.labels("left")[faces.records.index(left[0])] == 1
    for scale in (1, 4):
        assert load_cmu(cmu_dir, scale, people=["an2i"]).size == SCALE_SIZES[scale]
