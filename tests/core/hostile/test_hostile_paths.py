"""Hostile names and paths (classes 2, 3, 10 and 17 of the adversarial round).

2: a spec name with "..", "/" or NUL never makes a run outside the runs folder.
3: archive members that climb out of the import folder, and links, are refused.
10: bad devices, absurd step counts, a runs folder or FACEVIZ_HOME that is a file, and
    output paths under a file are one line each.
17: temporaries of killed imports and synth runs are cleaned at the next start.
"""
from __future__ import annotations

import io
import subprocess
import tarfile
import zipfile

import numpy as np
import pytest

from faceviz_gui.core.data.pgm import encode_pgm
from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.training.runs import create_run
from faceviz_gui.core.training.specs import find_spec

PGM = encode_pgm(np.full((30, 32), 50), 120, ascii=False)


@pytest.mark.parametrize("name", ["../../../escape", "a/b", "..", ".hidden", "x\\y"])
def test_class2_run_names_cannot_leave_the_runs_folder(refused, tmp_path, name):
    spec = find_spec("experiment0").copy(scale=4)
    text = spec.to_toml().replace('name = "experiment0"', f"name = {name!r}".replace("'", '"'))
    if "\\" in name:
        text = text.replace('"x\\y"', "'x\\y'")
    (tmp_path / "evil.toml").write_text(text)
    refused("train", tmp_path / "evil.toml", "--data", "synthetic", "--runs", tmp_path / "runs",
            words=("name",))
    assert not (tmp_path / "runs").exists()


def test_class2_create_run_checks_the_name_itself(tmp_path):
    spec = find_spec("experiment0").copy(scale=4)
    spec.name = "../../escape"  # changed after validation, as code (not a file) might
    with pytest.raises(FaceVizError, match="name"):
        create_run(spec, tmp_path / "runs")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def _tar(path, members: dict, links=()):
    with tarfile.open(path, "w") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tf.addfile(info)


def test_class3_archive_members_stay_in_the_import_folder(cli, refused, tmp_path, faceviz_home):
    evil = tmp_path / "evil.tar"
    _tar(evil, {"x/.._left_happy_open.pgm": PGM, "../../up_left_happy_open.pgm": PGM,
                "/abs/abs_left_happy_open.pgm": PGM, ".hid_left_happy_open.pgm": PGM},
         links=[("ln_left_happy_open.pgm", "/etc/passwd")])
    refused("data", "import", evil, allowed=[faceviz_home / "data"], words=("no CMU-named",))
    assert not (faceviz_home / "data" / "cmu_faces").exists()
    # mixed with a good member: that one is imported, the others listed as skipped
    mixed = tmp_path / "mixed.zip"
    with zipfile.ZipFile(mixed, "w") as zf:
        zf.writestr("ok/ann_left_happy_open.pgm", PGM)
        zf.writestr("deep/../../../zz_left_happy_open.pgm", PGM)
        zf.writestr("x/.._up_sad_open.pgm", PGM)
        link = zipfile.ZipInfo("lnk_left_sad_open.pgm")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
    rc, out, err = cli("data", "import", mixed)
    assert rc == 0, err
    dest = faceviz_home / "data" / "cmu_faces"
    assert [p.relative_to(dest).as_posix() for p in dest.rglob("*")] == [
        "ann", "ann/ann_left_happy_open.pgm"]
    assert out.count("skipped") == 2 and "link in archive" in out  # ".._x" is no CMU name
    assert not list(tmp_path.rglob("*zz_left*")) and not list(tmp_path.rglob("..*"))


def test_class3_a_file_that_is_no_archive_is_one_line(refused, faceviz_home):
    refused("data", "import", "/etc/passwd", allowed=[faceviz_home / "data"])


def test_class10_devices_and_steps(refused, run_copy):
    refused("maps", run_copy, "--device", "nosuch", words=("nosuch",))
    import torch
    if not torch.cuda.is_available():
        refused("maps", run_copy, "--device", "cuda", words=("CUDA",))
    refused("maps", run_copy, "--steps", "99999999999999999999", words=("--steps",))
    refused("maps", run_copy, "--steps", "1000000000", words=("--steps",))
    refused("maps", run_copy, "--steps", "many", words=("--steps",))
    refused("train", "experiment0", "--device", "nosuch", words=("nosuch",))
    refused("train", "experiment0", "--seed", "-1", words=("--seed",))
    refused("train", "experiment0", "--epochs", "10000000000", words=("--epochs",))


def test_class10_folders_that_are_files(refused, tmp_path, monkeypatch, run_copy):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    refused("runs", "--runs", a_file, words=("not a folder",))
    refused("train", "experiment0", "--runs", a_file, "--data", "synthetic",
            words=("not a folder",))
    refused("data", "synth", a_file / "out", words=("a-file",))
    (tmp_path / "ph" / "left").mkdir(parents=True)
    from PIL import Image
    Image.new("L", (64, 60), 90).save(tmp_path / "ph" / "left" / "a_1.png")
    refused("live", run_copy, tmp_path / "ph", "--no-crop-faces", "--csv", a_file / "out.csv",
            words=("a-file",))
    monkeypatch.setenv("FACEVIZ_HOME", str(a_file))
    refused("runs", words=("FACEVIZ_HOME",))
    refused("list", words=("FACEVIZ_HOME",))
    assert a_file.read_text() == "not a folder"


def _dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_class17_stale_import_temporaries_are_cleaned(cli, tmp_path, faceviz_home):
    data = faceviz_home / "data"
    for name in (".cmu_faces-import-k1", ".cmu_faces-import-k2", ".cmu_faces-old-k3"):
        (data / name / "ann").mkdir(parents=True)
        (data / name / "ann" / "ann_left_happy_open.pgm").write_bytes(PGM * 10)
    (tmp_path / "src" / "bob").mkdir(parents=True)
    (tmp_path / "src" / "bob" / "bob_up_sad_open.pgm").write_bytes(PGM)
    rc, _, err = cli("data", "import", tmp_path / "src")
    assert rc == 0, err
    assert sorted(p.name for p in data.iterdir()) == ["cmu_faces"]


def test_class17_a_copy_caught_mid_swap_is_put_back(cli, tmp_path, faceviz_home):
    data = faceviz_home / "data"
    old = data / ".cmu_faces-old-x1" / "cmu_faces" / "ann"
    old.mkdir(parents=True)
    (old / "ann_left_happy_open.pgm").write_bytes(PGM)
    (tmp_path / "empty").mkdir()
    rc, _, err = cli("data", "import", tmp_path / "empty")  # nothing to import: an error
    assert rc == 2
    assert (data / "cmu_faces" / "ann" / "ann_left_happy_open.pgm").read_bytes() == PGM
    assert sorted(p.name for p in data.iterdir()) == ["cmu_faces"]


def test_class17_one_import_at_a_time(refused, tmp_path, faceviz_home):
    from faceviz_gui.core import locks
    data = faceviz_home / "data"
    data.mkdir(parents=True)
    (tmp_path / "src" / "bob").mkdir(parents=True)
    (tmp_path / "src" / "bob" / "bob_up_sad_open.pgm").write_bytes(PGM)
    with locks.hold(data / ".cmu_faces.import-lock", "busy"):
        refused("data", "import", tmp_path / "src", allowed=[data], words=("another import",))
    assert not (data / "cmu_faces").exists()


def test_class17_stale_synth_temporaries_are_cleaned(cli, tmp_path):
    dead = tmp_path / f".faces-synth-tmp-{_dead_pid()}-abc"
    (dead / "syn01").mkdir(parents=True)
    mine = tmp_path / f".faces-synth-tmp-{__import__('os').getpid()}-def"  # alive: kept
    mine.mkdir()
    rc, _, err = cli("data", "synth", tmp_path / "faces", "--people", "1")
    assert rc == 0, err
    assert not dead.exists() and mine.exists()


def test_class3_a_download_name_cannot_climb(cli, tmp_path, faceviz_home):
    (tmp_path / "a" / "b").mkdir(parents=True)
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as zf:
        zf.writestr("ann/ann_left_happy_open.pgm", PGM)
    url = f"file://{tmp_path}/a/b/..%2F..%2Fevil.zip"  # its name decodes to ../../evil.zip
    rc, _, err = cli("data", "fetch", "--url", url)
    assert rc == 0, err
    assert sorted(p.name for p in (faceviz_home / "data" / "downloads").iterdir()) == ["download"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "evil.zip", "faceviz-home"]


def test_class17_temporaries_of_killed_writers_are_swept(tmp_path):
    from faceviz_gui.core import atomic
    dead = tmp_path / f".x.png.{_dead_pid()}-abcd1234.tmp"
    alive = tmp_path / f".x.png.{__import__('os').getpid()}-efgh5678.tmp"
    other = tmp_path / ".notes.tmp"  # not ours by name: never touched
    for p in (dead, alive, other):
        p.write_bytes(b"half")
    atomic.write_text(tmp_path / "x.png", "whole")
    assert not dead.exists() and alive.exists() and other.exists()
