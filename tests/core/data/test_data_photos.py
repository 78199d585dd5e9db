"""Photo folders: mixed formats, modes and sizes, labelled by folder, person by folder or name."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from faceviz_gui.core.data.imageload import crop_to_aspect
from faceviz_gui.core.data.pgm import encode_pgm
from faceviz_gui.core.data.sources import load_image_file, load_images, load_photo_folder

SIZE = (60, 64)


def _grey_rgb(h, w, value):
    return Image.fromarray(np.full((h, w, 3), value, np.uint8), "RGB")


@pytest.fixture()
def photos(tmp_path):
    root = tmp_path / "amigos"
    for d in ("alice/left", "alice/Right", "right", "UP", "straight", "left"):
        (root / d).mkdir(parents=True)
    _grey_rgb(480, 640, 100).save(root / "alice/left/a1.jpg", quality=95)
    rgba = Image.new("RGBA", (64, 60), (0, 0, 0, 0))  # fully transparent: white after compositing
    rgba.save(root / "alice/Right/a2.png")
    Image.fromarray(np.full((120, 128), 32768, np.uint16)).save(root / "right/bob_01.png")
    (root / "UP/IMG0001.pgm").write_bytes(encode_pgm(np.full((120, 128), 60), 120, ascii=False))
    _grey_rgb(30, 32, 200).convert("P").save(root / "straight/carol-3.gif")
    _grey_rgb(100, 90, 50).save(root / "straight/dave_x.bmp")
    Image.new("CMYK", (80, 80), (0, 0, 0, 0)).save(root / "left/erin_1.tiff")
    Image.new("L", (5, 5), 255).save(root / "left/tiny.png")
    return root


def test_labels_people_and_values(photos):
    faces = load_photo_folder(photos, SIZE)
    assert not faces.skipped
    got = {r.path.split("amigos/")[1]: (r.pose, r.person) for r in faces.records}
    assert got == {
        "alice/left/a1.jpg": ("left", "alice"),
        "alice/Right/a2.png": ("right", "alice"),
        "right/bob_01.png": ("right", "bob"),
        "UP/IMG0001.pgm": ("up", "unknown"),
        "straight/carol-3.gif": ("straight", "carol"),
        "straight/dave_x.bmp": ("straight", "dave"),
        "left/erin_1.tiff": ("left", "erin"),
        "left/tiny.png": ("left", "unknown"),
    }
    assert faces.images.shape == (8, *SIZE) and faces.images.dtype == np.float32
    value = {r.path.split("amigos/")[1]: float(faces.images[i].mean())
             for i, r in enumerate(faces.records)}
    assert value["alice/left/a1.jpg"] == pytest.approx(100 / 255, abs=0.02)
    assert value["alice/Right/a2.png"] == pytest.approx(1.0)
    assert value["right/bob_01.png"] == pytest.approx(0.5, abs=0.01)  # 16-bit scaled by 65535
    assert value["UP/IMG0001.pgm"] == pytest.approx(0.5)               # PGM by its maxval
    assert value["straight/carol-3.gif"] == pytest.approx(200 / 255, abs=0.02)
    assert value["left/erin_1.tiff"] == pytest.approx(1.0, abs=0.01)   # CMYK 0 ink is white
    assert value["left/tiny.png"] == pytest.approx(1.0)
    assert {r.expression for r in faces.records} == {""}
    assert faces.labels("pose").tolist().count(1) == 3


def test_load_images_detects_a_photo_folder(photos):
    faces = load_images(photos, 4)
    assert faces.size == (30, 32) and len(faces) == 8
    assert load_images(photos, 4, people=["alice"]).people == ["alice"]


def test_pointing_at_a_pose_folder_itself(photos):
    faces = load_photo_folder(photos / "straight", SIZE)
    assert {r.pose for r in faces.records} == {"straight"}
    assert sorted(r.person for r in faces.records) == ["carol", "dave"]


def test_crop_keeps_the_middle_and_aspect():
    tall = np.zeros((200, 100), np.float32)
    tall[50:150] = 1.0
    out = crop_to_aspect(tall, SIZE)
    assert out.shape[1] == 100 and abs(out.shape[1] / out.shape[0] - 64 / 60) < 0.02
    assert out.mean() > 0.9  # the centre band survived


def test_resize_is_area_averaging(tmp_path):
    # a 2x2 checkerboard of 1-pixel squares averages to grey, not aliasing to black or white
    board = (np.indices((120, 128)).sum(0) % 2 * 255).astype(np.uint8)
    Image.fromarray(board).save(tmp_path / "board.png")
    image, reason = load_image_file(tmp_path / "board.png", (30, 32))
    assert reason is None
    assert np.allclose(image, 0.5, atol=0.01)


def test_hidden_files_ignored_and_gif_first_frame(tmp_path):
    left = tmp_path / "left"
    (left / ".thumbnails").mkdir(parents=True)
    Image.new("L", (20, 20), 0).save(left / ".thumbnails" / "t.png")
    (left / ".DS_Store").write_bytes(b"\x00\x01junk")
    frames = [Image.new("L", (40, 40), v) for v in (30, 220)]
    frames[0].save(left / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    faces = load_photo_folder(tmp_path, SIZE)
    assert len(faces) == 1 and not faces.skipped
    assert faces.images[0].mean() == pytest.approx(30 / 255, abs=0.02)


def test_exif_rotation_and_ppm(tmp_path):
    # stored landscape, dark on the left; EXIF orientation 6 says "rotate 90 clockwise to view"
    pixels = np.zeros((60, 120, 3), np.uint8)
    pixels[:, 60:] = 255
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(pixels).save(tmp_path / "phone.jpg", exif=exif.tobytes(), quality=95)
    image, reason = load_image_file(tmp_path / "phone.jpg", (60, 64))
    assert reason is None
    # viewed upright the dark half is on top
    assert image[:20].mean() < 0.1 and image[-20:].mean() > 0.9
    (tmp_path / "c.ppm").write_bytes(b"P6\n4 4\n255\n" + bytes([255, 255, 255]) * 16)
    image, reason = load_image_file(tmp_path / "c.ppm", (30, 32))
    assert reason is None and image.mean() == pytest.approx(1.0)
