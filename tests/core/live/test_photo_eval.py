"""Scoring a run on a labelled photo folder: rows, summary, skipped files, CSV and JSON."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from live_helpers import cmu_shot, place, pose_run, unseen_shots

from faceviz_gui.core.errors import RunError
from faceviz_gui.core.live.photo_eval import evaluate_folder
from faceviz_gui.core.tasks import RecordingReporter
from faceviz_gui.core.training.runs import create_run


def _write_bad_files(folder):
    (folder / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (folder / "empty.png").write_bytes(b"")


@pytest.mark.cmu
def test_a_folder_of_unseen_faces_gives_rows_accuracy_confusion_and_skips(
        cmu_dir, tmp_path, tmp_path_factory):
    run = pose_run(cmu_dir, tmp_path_factory)
    root = tmp_path / "amigos"
    for pose in ("straight", "left", "up"):
        (root / pose).mkdir(parents=True)
        for i, path in enumerate(unseen_shots(run, cmu_dir, pose, 2)):
            frame, _ = place(cmu_shot(path), 40 + 100 * i, 30)
            person = path.name.split("_")[0]
            cv2.imwrite(str(root / pose / f"{person}_{i}.jpg"), frame)
    _write_bad_files(root / "up")
    rep = RecordingReporter()
    ev = evaluate_folder(run, root, reporter=rep)
    assert len(ev.rows) == 6 and ev.classes == ["straight", "left", "right", "up"]
    assert sorted(s.path.rsplit("/", 1)[1] for s in ev.skipped) == ["corrupt.jpg", "empty.png"]
    assert all(s.reason for s in ev.skipped)
    conf = np.array(ev.summary["confusion"])
    assert conf.shape == (4, 4) and conf.sum() == 6
    assert ev.accuracy == pytest.approx(np.trace(conf) / 6)
    assert sum(v["n"] for v in ev.summary["per_person"].values()) == 6
    row = ev.rows[0]
    assert row.crop.shape == (30, 32) and row.heatmap.shape == (30, 32)
    assert row.thumbnail.dtype == np.uint8 and max(row.thumbnail.shape) == 96
    assert ev.n_faces_found >= 4
    assert rep.of_kind("progress")[-1]["message"] == "done"

    out = ev.write_csv(tmp_path / "table.csv")
    lines = list(csv.reader(out.open()))
    assert lines[0][:4] == ["path", "person", "true", "predicted"] and len(lines) == 1 + 6 + 2
    assert lines[-1][-1].startswith("skipped: ")
    js = json.loads(json.dumps(ev.to_json()))
    assert js["n"] == 6 and len(js["skipped"]) == 2


def test_centre_crops_without_face_finding_and_no_attention(trained_run, tmp_path):
    root = tmp_path / "photos"
    (root / "left").mkdir(parents=True)
    (root / "straight").mkdir()
    rng = np.random.default_rng(0)
    for pose in ("left", "straight"):
        img = (rng.random((300, 400, 3)) * 255).astype(np.uint8)
        cv2.imwrite(str(root / pose / "zed_1.png"), img)
    ev = evaluate_folder(trained_run, root, crop_faces=False, method="none")
    assert [r.true for r in ev.rows] == ["left", "not_left"]
    assert all(r.face_box is None and r.heatmap is None for r in ev.rows)
    assert ev.rows[0].predicted in ("left", "not_left")


def test_a_run_without_weights_is_a_clear_error(tiny_spec, tmp_path):
    run = create_run(tiny_spec, tmp_path / "runs")
    with pytest.raises(RunError, match="no weights"):
        evaluate_folder(run, tmp_path)


def test_loose_photos_are_predicted_and_only_labelled_ones_scored(trained_run, tmp_path):
    (tmp_path / "left").mkdir()
    rng = np.random.default_rng(1)
    a, b = tmp_path / "left" / "amy_1.png", tmp_path / "holiday.png"
    for p in (a, b):
        cv2.imwrite(str(p), (rng.random((120, 128)) * 255).astype(np.uint8))
    bad = tmp_path / "broken.gif"
    bad.write_bytes(b"GIF89a broken")
    ev = evaluate_folder(trained_run, [a, b, bad], method="none")
    assert [(r.true, r.person) for r in ev.rows] == [("left", "amy"), ("", "unknown")]
    assert ev.summary["n"] == 1 and len(ev.skipped) == 1
    assert not ev.rows[1].correct and ev.rows[1].predicted in ("left", "not_left")


def test_odd_files_are_read_or_listed_with_a_reason(trained_run, tmp_path):
    from PIL import Image
    root = tmp_path / "odd" / "straight"
    root.mkdir(parents=True)
    rng = np.random.default_rng(2)
    rgb = (rng.random((90, 120, 3)) * 255).astype(np.uint8)
    Image.fromarray(rgb).convert("CMYK").save(root / "cmyk.jpg")
    Image.fromarray((rng.random((90, 120)) * 65535).astype(np.uint16)).save(root / "deep.png")
    frames = [Image.fromarray(rgb[..., i]) for i in range(3)]
    frames[0].save(root / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    # a PNG header claiming 20000 x 20000 pixels: refused before any pixel is decoded
    import struct
    import zlib
    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    (root / "huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                                    + chunk(b"IDAT", zlib.compress(b"\x00" * 10)) + chunk(b"IEND", b""))
    (root / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    ev = evaluate_folder(trained_run, tmp_path / "odd", method="none")
    assert sorted(Path(r.path).name for r in ev.rows) == ["anim.gif", "cmyk.jpg", "deep.png"]
    reasons = {Path(s.path).name: s.reason for s in ev.skipped}
    assert set(reasons) == {"huge.png", "corrupt.png"}
    assert "too large" in reasons["huge.png"]
