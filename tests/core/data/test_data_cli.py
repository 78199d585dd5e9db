"""`faceviz data ...` in-process: exit codes and what it prints."""
from __future__ import annotations

import zipfile

import pytest

from faceviz_gui.cli import main


def test_synth_then_check(tmp_path, capsys):
    out = tmp_path / "syn"
    assert main(["data", "synth", str(out), "--people", "2", "--seed", "3"]) == 0
    assert "192 files of 2 synthetic people" in capsys.readouterr().out
    (out / "syn01" / "syn01_up_sad_open_4.pgm").write_bytes(b"P5\n32 30\n255\n")
    assert main(["data", "check", str(out)]) == 0
    text = capsys.readouterr().out
    assert "CMU format" in text and "syn02" in text
    assert "128x120" in text and "32x30" in text
    assert "syn01_up_sad_open_4.pgm: truncated" in text


def test_check_photo_folder(tmp_path, capsys):
    from PIL import Image
    (tmp_path / "p" / "left").mkdir(parents=True)
    Image.new("RGB", (90, 90)).save(tmp_path / "p" / "left" / "ann_1.jpg")
    (tmp_path / "p" / "left" / "broken.png").write_bytes(b"")
    assert main(["data", "check", str(tmp_path / "p")]) == 0
    text = capsys.readouterr().out
    assert "photo folder" in text and "ann" in text and "broken.png: empty" in text


@pytest.mark.parametrize("argv, words", [
    (["data", "check", "/no/such/folder"], "not found"),
    (["data", "import", "/no/such/archive.zip"], "does not exist"),
    (["data", "synth", "OUT", "--people", "0"], "at least 1"),
])
def test_user_errors_are_one_line(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and words in err and "Traceback" not in err


def test_check_empty_folder_fails(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["data", "check", str(tmp_path / "empty")]) == 2
    assert "looked for" in capsys.readouterr().err


def test_import_and_fetch_from_file_url(tmp_path, capsys, faceviz_home):
    faces = tmp_path / "faces"
    assert main(["data", "synth", str(faces), "--people", "1"]) == 0
    archive = tmp_path / "faces.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in faces.rglob("*_4.pgm"):
            zf.write(p, f"faces/{p.relative_to(faces)}")
    assert main(["data", "import", str(archive)]) == 0
    assert "imported 32 files of 1 people" in capsys.readouterr().out
    assert main(["data", "fetch", "--url", archive.as_uri()]) == 0
    assert "imported 32 files" in capsys.readouterr().out
    assert (faceviz_home / "data" / "downloads" / "faces.zip").exists()
    assert main(["data", "check"]) == 0  # defaults to the imported copy
    assert str(faceviz_home / "data" / "cmu_faces") in capsys.readouterr().out
