"""export_model: ONNX and TorchScript files that match torch, state their preprocessing, and
fail in one clear line when the format or the file is wrong."""
from __future__ import annotations

import numpy as np
import pytest

from faceviz_gui.core.prune.export_model import ExportError, export_model, read_metadata


@pytest.mark.parametrize("fmt, name", [("onnx", "net.onnx"), ("torchscript", "net.pt")])
def test_export_matches_torch_and_carries_metadata(folder_run, tmp_path, fmt, name):
    result = export_model(folder_run, fmt, tmp_path / name)
    assert result["format"] == fmt and result["bytes"] == (tmp_path / name).stat().st_size > 0
    assert result["max_abs_diff"] < 1e-4
    assert result["latency_ms"] > 0 and result["n_verified"] == len(folder_run.split["test"])
    meta = read_metadata(tmp_path / name)
    assert meta["class_names"] == ["not_left", "left"]
    assert (meta["input_height"], meta["input_width"]) == (30, 32)
    assert meta["mean"] == 0.5 and meta["std"] == 0.25 and meta["run_id"] == folder_run.id


def test_onnx_runs_under_onnxruntime_like_torch(folder_run, tmp_path):
    """Independent of export_model's own check: run the file and the torch model here."""
    import onnx
    import onnxruntime as ort
    import torch

    from faceviz_gui.core.training.evaluation import predict, run_test_set
    path = tmp_path / "net.onnx"
    export_model(folder_run, "onnx", path)
    props = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert props["class_names"] == '["not_left", "left"]' and "normalisation" in props
    test = run_test_set(folder_run)
    x = ((test.images - 0.5) / 0.25).astype(np.float32)[:, None]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"image": x})[0]
    torch.set_num_threads(1)
    want = predict(folder_run.load_model(), test.images)
    assert got.shape == want.shape and np.abs(got - want).max() < 1e-4


def test_bad_formats_and_files(folder_run, tmp_path):
    with pytest.raises(ExportError, match="unknown format 'tflite'"):
        export_model(folder_run, "tflite", tmp_path / "x.tflite")
    with pytest.raises(ExportError, match="does not exist"):
        export_model(folder_run, "onnx", tmp_path / "missing" / "x.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x08\x01 this is no model")
    with pytest.raises(ExportError, match="not a readable ONNX file|no FaceViz metadata"):
        read_metadata(broken)
    broken_pt = tmp_path / "broken.pt"
    broken_pt.write_bytes(b"PK not a zip")
    with pytest.raises(ExportError, match="not a readable TorchScript file"):
        read_metadata(broken_pt)
