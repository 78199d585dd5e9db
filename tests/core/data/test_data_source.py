"""Where data comes from: --data, FACEVIZ_DATA, the imported CMU copy, else synthetic."""
from __future__ import annotations

import numpy as np

from faceviz_gui.core import paths
from faceviz_gui.core.data.sources import load_source, resolve_source, synthetic_dir
from faceviz_gui.core.data.synth import write_synthetic
from faceviz_gui.core.tasks import RecordingReporter


def test_resolution_order(tmp_path, monkeypatch):
    assert resolve_source() == "synthetic"
    copy = paths.data_dir() / "cmu_faces"
    copy.mkdir(parents=True)
    assert resolve_source() == "synthetic"  # an empty folder is not a CMU copy
    write_synthetic(copy, n_people=1, seed=0)
    assert resolve_source() == str(copy)
    monkeypatch.setenv("FACEVIZ_DATA", str(tmp_path / "env"))
    assert resolve_source() == str(tmp_path / "env")
    assert resolve_source(tmp_path / "arg") == str(tmp_path / "arg")


def test_synthetic_source_is_generated_once(monkeypatch):
    import faceviz_gui.core.data.sources as data
    monkeypatch.setattr(data, "SYNTHETIC_PEOPLE", 2)  # the real default is 20; keep it quick
    reporter = RecordingReporter()
    faces = load_source("synthetic", 4, reporter=reporter)
    assert faces.source == "synthetic" and faces.people == ["syn01", "syn02"]
    assert reporter.of_kind("progress")
    folder = synthetic_dir()
    stamp = (folder / "syn01" / "syn01_up_sad_open_4.pgm").stat().st_mtime_ns
    again = load_source(None, 4)
    assert np.array_equal(again.images, faces.images)
    assert (folder / "syn01" / "syn01_up_sad_open_4.pgm").stat().st_mtime_ns == stamp


def test_stop_while_generating_leaves_no_complete_set(monkeypatch):
    import faceviz_gui.core.data.sources as data
    monkeypatch.setattr(data, "SYNTHETIC_PEOPLE", 2)
    reporter = RecordingReporter()
    reporter.stop.set()
    data.ensure_synthetic(reporter)
    assert not (synthetic_dir() / ".complete").exists()
    assert not synthetic_dir().exists()
