"""Export a run's network to ONNX or TorchScript, with its preprocessing in the file.

The exported graph takes (N, 1, H, W) float32 images already normalised and returns what
FaceViz calls the network's output: class probabilities for softmax models (the softmax is
part of the graph), the raw linear outputs for MSE ones. What a device needs to feed it is
stated in the file's metadata (ONNX ``metadata_props``; TorchScript ``extra_files``
"faceviz.json"): input size, channel, pixel scale, normalisation, class names, task, run.

Every export is verified: the file is loaded back (ONNX Runtime for ONNX, torch.jit.load for
TorchScript), run on the run's own test images and compared with the torch model (maximum
absolute difference), and timed one image at a time on the CPU (median latency).
"""
from __future__ import annotations

import json
import statistics
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from faceviz_gui.core import atomic
from faceviz_gui.core.data.faceset import PIXEL_MEAN, PIXEL_STD, FaceSet, normalize
from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.tasks import NullReporter, Reporter

FORMATS = ("onnx", "torchscript")
OPSET = 17
META_FILE = "faceviz.json"
LATENCY_RUNS = 200
MAX_VERIFY = 512


class ExportError(FaceVizError):
    """An export that cannot be made or does not load back."""


class _Deployed(nn.Module):
    """The network as shipped: outputs probabilities for softmax models."""

    def __init__(self, model: nn.Module, softmax: bool):
        super().__init__()
        self.model, self.softmax = model, softmax

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.model(x)
        return torch.softmax(out, dim=1) if self.softmax else out


def preprocessing(run) -> dict[str, Any]:
    """What the file's user must do to an image before feeding it, and what comes out."""
    spec = run.spec
    h, w = spec.input_size
    softmax = spec.output_activation == "softmax"
    return {"input_name": "image", "input_shape": ["N", 1, h, w], "input_height": h,
            "input_width": w, "channels": "1 (grey)", "layout": "NCHW", "dtype": "float32",
            "pixel_scale": "[0, 1] (pixel / maxval: / 255 for 8-bit images)",
            "normalisation": f"(x - {PIXEL_MEAN}) / {PIXEL_STD}",
            "mean": PIXEL_MEAN, "std": PIXEL_STD,
            "framing": "CMU face crop (the face fills the frame), resized by area",
            "output_name": "probabilities" if softmax else "outputs",
            "output": "softmax probabilities" if softmax else "linear outputs (argmax is the class)",
            "class_names": list(spec.classes), "task": spec.task,
            "experiment": spec.name, "run_id": run.id,
            "parent_run": run.status.get("parent", ""), "producer": "faceviz"}


def export_model(run, fmt: str, out: str | Path, data: FaceSet | None = None,
                 reporter: Reporter | None = None, record: bool = True) -> dict[str, Any]:
    """Write ``run``'s network to ``out`` as ``fmt`` and verify it; returns path, format,
    bytes, max_abs_diff (against torch on the test images), latency_ms, n_verified."""
    reporter = reporter or NullReporter()
    fmt = str(fmt).lower()
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (use {' or '.join(FORMATS)})")
    out = Path(out).expanduser()
    if out.is_dir():
        raise ExportError(f"{out} is a folder; give a file name")
    if not out.parent.is_dir():
        raise ExportError(f"cannot write {out}: folder {out.parent} does not exist")
    model = run.load_model("cpu")
    meta = preprocessing(run)
    deployed = _Deployed(model, run.spec.output_activation == "softmax").eval()
    images = _verify_images(run, data)
    x = normalize(torch.from_numpy(images)).float().unsqueeze(1)
    reporter.report(kind="stage", message=f"writing {fmt}")
    with warnings.catch_warnings():
        # torch 2.13 marks TorchScript and the TorchScript-based ONNX exporter deprecated;
        # both still work, and the file is checked below whatever the warnings say
        warnings.simplefilter("ignore", DeprecationWarning)
        if fmt == "onnx":
            _write_onnx(deployed, x[:1], out, meta)
            runner = onnx_runner(out)
        else:
            _write_torchscript(deployed, x[:1], out, meta)
            runner = _torchscript_runner(out)
    reporter.report(kind="stage", message="checking the file against torch")
    with torch.no_grad():
        want = deployed(x).numpy()
    got = np.concatenate([runner(x[i:i + 128].numpy()) for i in range(0, len(x), 128)])
    if got.shape != want.shape:
        raise ExportError(f"{out}: outputs have shape {got.shape}, torch gives {want.shape}")
    reporter.report(kind="stage", message="timing one image at a time")
    result = {"path": str(out), "format": fmt, "bytes": out.stat().st_size,
              "max_abs_diff": float(np.max(np.abs(got - want))),
              "latency_ms": latency_ms(runner, x[:1].numpy()),
              "latency_runtime": "onnxruntime CPU, 1 thread" if fmt == "onnx"
                                 else f"torch.jit CPU, torch threads: {torch.get_num_threads()}",
              "n_verified": int(len(x)), "metadata": meta}
    if record:   # the browser shows the last export's size and latency beside the run
        run.set_status(deployment={k: result[k] for k in (
            "format", "bytes", "max_abs_diff", "latency_ms", "latency_runtime", "path")})
    return result


def measure_onnx(run, data: FaceSet | None = None) -> dict[str, Any]:
    """Export to a temporary ONNX file only to measure size and latency (recorded in status)."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="faceviz-onnx-") as tmp:
        result = export_model(run, "onnx", Path(tmp) / f"{run.id}.onnx", data, record=False)
    result["path"] = ""
    run.set_status(deployment={k: result[k] for k in (
        "format", "bytes", "max_abs_diff", "latency_ms", "latency_runtime", "path")})
    return result


def latency_ms(runner, one: np.ndarray, runs: int = LATENCY_RUNS) -> float:
    """Median wall time of one single-image call, after a warm-up."""
    for _ in range(10):
        runner(one)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        runner(one)
        times.append(time.perf_counter() - t)
    return round(1000 * statistics.median(times), 4)


def _verify_images(run, data: FaceSet | None) -> np.ndarray:
    from faceviz_gui.core.training.evaluation import run_test_set
    test = run_test_set(run, data)
    images = np.ascontiguousarray(test.images[:MAX_VERIFY], dtype=np.float32)
    if len(images) == 0:
        raise ExportError(f"run {run.id} has no test images to check the export on")
    return images


def _write_onnx(deployed: nn.Module, example: torch.Tensor, out: Path, meta: dict) -> None:
    import onnx

    def write(tmp: Path) -> None:
        # dynamo=False: the TorchScript-based exporter needs no onnxscript and handles these
        # plain conv/pool/linear graphs exactly (verified below against torch)
        torch.onnx.export(deployed, (example,), str(tmp), dynamo=False, opset_version=OPSET,
                          input_names=["image"], output_names=[meta["output_name"]],
                          dynamic_axes={"image": {0: "N"}, meta["output_name"]: {0: "N"}})
        proto = onnx.load(str(tmp))
        for key, value in _flat_meta(meta).items():
            prop = proto.metadata_props.add()
            prop.key, prop.value = key, value
        proto.producer_name = "faceviz"
        onnx.checker.check_model(proto)
        onnx.save(proto, str(tmp))

    atomic.write_with(out, write)


def _write_torchscript(deployed: nn.Module, example: torch.Tensor, out: Path, meta: dict) -> None:
    with torch.no_grad():
        traced = torch.jit.trace(deployed, example)
    extra = {META_FILE: json.dumps(meta, indent=1)}
    atomic.write_with(out, lambda tmp: torch.jit.save(traced, str(tmp), _extra_files=extra))


def _flat_meta(meta: dict) -> dict[str, str]:
    """ONNX metadata values are strings: lists as JSON, the rest as text, plus the whole."""
    flat = {k: json.dumps(v) if isinstance(v, (list, dict)) else str(v) for k, v in meta.items()}
    flat[META_FILE] = json.dumps(meta)
    return flat


def onnx_runner(path: Path):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1       # per-image latency on one core, as on a small device
    opts.inter_op_num_threads = 1
    try:
        session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own types for a broken file
        raise ExportError(f"{path}: ONNX Runtime cannot load it: {str(exc).splitlines()[0]}") from None
    name = session.get_inputs()[0].name
    return lambda x: session.run(None, {name: np.ascontiguousarray(x, dtype=np.float32)})[0]


def _torchscript_runner(path: Path):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            module = torch.jit.load(str(path), map_location="cpu").eval()
    except Exception as exc:  # torch raises RuntimeError and others for a broken file
        raise ExportError(f"{path}: cannot load it back: {str(exc).splitlines()[0]}") from None

    def run(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return module(torch.from_numpy(np.ascontiguousarray(x))).numpy()
    return run


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The FaceViz metadata of an exported file (ONNX or TorchScript); ExportError if broken."""
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"no file {path}")
    if path.suffix.lower() == ".onnx":
        import onnx
        try:
            proto = onnx.load(str(path))
        except Exception as exc:  # protobuf's DecodeError and others
            raise ExportError(f"{path}: not a readable ONNX file ({type(exc).__name__})") from None
        props = {p.key: p.value for p in proto.metadata_props}
        if META_FILE not in props:
            raise ExportError(f"{path}: no FaceViz metadata in it")
        return json.loads(props[META_FILE])
    extra = {META_FILE: ""}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.jit.load(str(path), map_location="cpu", _extra_files=extra)
    except Exception as exc:  # torch raises RuntimeError and others for a broken file
        raise ExportError(f"{path}: not a readable TorchScript file ({type(exc).__name__})") from None
    if not extra[META_FILE]:
        raise ExportError(f"{path}: no FaceViz metadata in it")
    return json.loads(extra[META_FILE])
