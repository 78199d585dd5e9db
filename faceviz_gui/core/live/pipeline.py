"""The live frame pipeline: numpy frame in, face box, crop, prediction and attention out.

One LivePipeline per worker thread, holding its own model (``Run.load_model()``), its own
face detector and tracker: nothing is shared with training or with the UI thread. Frames
reach the worker through a LatestFrameSlot, so a slow frame never builds a queue: the
newest frame replaces one still waiting, and the replaced ones are counted as dropped.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from faceviz_gui.core.attention.methods import forward_from_last_conv
from faceviz_gui.core.data.faceset import normalize
from faceviz_gui.core.live.activations import LayerActivations, LayerTap, check_layer
from faceviz_gui.core.live.faces import (
    Box,
    FaceDetector,
    FaceTracker,
    centred_rect,
    crop_rect,
    new_detector,
    to_grey_uint8,
)

NO_ATTENTION = "none"
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg",
                            ".wmv"})


@dataclass
class LiveResult:
    frame_shape: tuple[int, int]           # (h, w) of the frame
    box: Box | None                        # smoothed face box (None: no face, centred crop)
    rect: tuple[float, float, float, float]  # the region cropped, frame pixels
    found: bool                            # a face was detected in this very frame
    crop: np.ndarray                       # float32 (H, W) [0, 1]: what the network sees
    outputs: np.ndarray                    # probabilities (softmax) or raw outputs (linear)
    output_kind: str
    predicted: int
    classes: tuple[str, ...]
    heatmap: np.ndarray | None             # float32 (H, W) [0, 1], aligned with ``crop``
    method: str
    timings: dict[str, float] = field(default_factory=dict)  # ms: detect, crop, predict, attend, total
    frame_index: int = 0
    notes: list[str] = field(default_factory=list)
    layer: LayerActivations | None = None   # the hooked layer's activations (layer view)

    @property
    def predicted_class(self) -> str:
        return self.classes[self.predicted]

    @property
    def confidence(self) -> float:
        return float(self.outputs[self.predicted])

    @property
    def face_status(self) -> str:
        if self.box is None:
            return "no face found: centred crop"
        return "face" if self.found else "face (held from an earlier frame)"

    def to_json(self) -> dict[str, Any]:
        """What a snapshot stores beside its PNGs."""
        box = None if self.box is None else {"x": self.box.x, "y": self.box.y, "w": self.box.w,
                                             "h": self.box.h, "kind": self.box.kind}
        return {"predicted": self.predicted_class, "confidence": self.confidence,
                "output_kind": self.output_kind,
                "outputs": {c: float(v) for c, v in zip(self.classes, self.outputs)},
                "face": self.face_status, "box": box, "crop_rect": list(map(float, self.rect)),
                "frame_size": list(self.frame_shape[::-1]), "input_size": list(self.crop.shape[::-1]),
                "attention": self.method, "timings_ms": self.timings,
                "frame_index": self.frame_index, "notes": self.notes}


class LivePipeline:
    """``process(frame)`` runs detect -> crop -> predict -> attend on one frame."""

    def __init__(self, model: torch.nn.Module, classes=None, output_activation: str | None = None,
                 method: str = "gradcam", detector: FaceDetector | None = None,
                 tracker: FaceTracker | None = None, layer: str | None = None):
        self.model = model.eval()  # a model the caller built for this pipeline alone
        self.classes = tuple(classes or model.classes)
        self.output_activation = output_activation or getattr(model, "output_activation", "softmax")
        self.method = method or NO_ATTENTION
        self.detector = detector or new_detector()
        self.tracker = tracker or FaceTracker()
        self.input_size = tuple(model.input_size)
        self._count = 0
        self.layer = None
        self.set_layer(layer)
        # Grad-CAM reads the last conv layer; a network without one gets no map
        self._has_conv = any(l.kind == "conv2d" for l in getattr(model, "layers", []))

    @classmethod
    def from_run(cls, run, method: str = "gradcam") -> "LivePipeline":
        model = run.load_model("cpu")
        return cls(model, model.classes, model.output_activation, method)

    def set_layer(self, layer: str | None) -> None:
        """Hook ``layer`` in every frame's forward pass from now on (None: no layer view)."""
        if layer:
            check_layer(self.model, layer)
        self.layer = layer or None

    def reset(self) -> None:
        """Forget the tracked face (a new source, a cut in the video)."""
        self.tracker.reset()
        if hasattr(self.detector, "restart"):
            self.detector.restart()

    def process(self, frame: np.ndarray, still: bool = False) -> LiveResult:
        """One frame of a stream; ``still=True`` (a photo) searches with every cascade at once
        instead of one per frame (see FaceDetector.detect)."""
        t0 = time.perf_counter()
        grey = to_grey_uint8(frame)
        last = self.tracker.last
        box = self.detector.detect(grey, hint=last.box if last is not None else None,
                                     cycle=not still)
        track = self.tracker.update(box)
        t1 = time.perf_counter()
        rect = track.rect if track is not None else centred_rect(grey.shape)
        crop = crop_rect(grey, rect, self.input_size)
        x = normalize(torch.from_numpy(crop))[None, None]
        t2 = time.perf_counter()
        gradcam = self.method == "gradcam" and self._has_conv
        # The layer view's activations come from this same forward pass (a hook, removed on
        # exit), never from a second one: the view must not cost the frame its budget.
        tap = LayerTap(self.model, self.layer)
        with tap:
            if gradcam:
                # Grad-CAM from the prediction's own forward pass: attention.attribute would
                # run the network again; at 64x60 on one core that doubled the per-frame cost.
                # Same map as attribute(model, x, "gradcam"): a test checks.
                acts, logits = forward_from_last_conv(self.model, x)
            else:
                with torch.no_grad():
                    logits, acts = self.model(x), None
        layer_acts = tap.result
        out = torch.softmax(logits.detach(), dim=1) if self.output_activation == "softmax" else logits.detach()
        outputs = out[0].float().numpy()
        predicted = int(outputs.argmax())
        t3 = time.perf_counter()
        heat, notes = None, []
        if gradcam:
            heat = self._gradcam(x, logits, acts, predicted)
            if not heat.any():
                notes.append(f"no positive evidence for {self.classes[predicted]!r}")
        elif self.method != NO_ATTENTION:
            from faceviz_gui.core.attention.methods import attribute
            res = attribute(self.model, x, self.method, target=predicted)
            heat, notes = res.heatmap, res.notes
        t4 = time.perf_counter()
        ms = lambda a, b: round((b - a) * 1000, 3)
        self._count += 1
        return LiveResult(grey.shape, track.box if track else None, tuple(rect),
                          bool(track and track.found), crop, outputs, self.output_activation,
                          predicted, self.classes, heat, self.method,
                          {"detect": ms(t0, t1), "crop": ms(t1, t2), "predict": ms(t2, t3),
                           "attend": ms(t3, t4), "total": ms(t0, t4)}, self._count, notes,
                          layer_acts)


    def _gradcam(self, x, logits, acts, target: int) -> np.ndarray:
        (grad,) = torch.autograd.grad(logits[0, target], acts)
        cam = torch.relu((grad * acts.detach()).sum(dim=1, keepdim=True))
        cam = torch.nn.functional.interpolate(cam, size=tuple(x.shape[2:]), mode="bilinear",
                                              align_corners=False)[0, 0].numpy()
        peak = float(cam.max())
        return (cam / peak if peak > 0 else np.zeros_like(cam)).astype(np.float32)


class LatestFrameSlot:
    """A one-frame mailbox between a frame source and the inference worker.

    ``put`` never blocks: a frame still waiting is replaced and counted in ``dropped``.
    ``take`` blocks until a frame arrives (or ``timeout`` passes, or the slot is closed) and
    returns the newest one, or None.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Any = None
        self._has = False
        self._closed = False
        self.received = 0
        self.dropped = 0

    def put(self, frame: Any) -> None:
        with self._cond:
            self.received += 1
            if self._has:
                self.dropped += 1
            self._frame, self._has = frame, True
            self._cond.notify()

    def take(self, timeout: float | None = None) -> Any:
        with self._cond:
            if not self._has and not self._closed:
                self._cond.wait(timeout)
            if not self._has:
                return None
            frame, self._frame, self._has = self._frame, None, False
            return frame

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def reopen(self) -> None:
        with self._cond:
            self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed


def serve(pipeline_factory: Callable[[], LivePipeline], slot: LatestFrameSlot,
          emit: Callable[[Any, LiveResult], None], reporter=None,
          poll: float = 0.1, options: dict | None = None) -> int:
    """The worker loop: take the newest frame, process it, hand the result to ``emit``.

    Frames in the slot are ``(frame, tag)`` or ``(frame, tag, still)``; ``tag`` comes back
    with the result (the GUI passes the frame it showed), ``still`` marks a photo. The
    pipeline is built here, on the worker thread, so its model belongs to that thread.
    ``options`` (a dict the caller may change at any time) carries "method" (attention method),
    "layer" (the layer whose activations ride along, or None) and "reset" (forget the tracked
    face). Runs until the slot is closed or the reporter says
    stop; returns the number of frames processed.
    """
    from faceviz_gui.core.tasks import NullReporter

    reporter = reporter or NullReporter()
    pipeline = pipeline_factory()
    done = 0
    while not reporter.should_stop():
        item = slot.take(timeout=poll)
        if item is None:
            if slot.closed:
                break
            continue
        frame, tag, still = item if len(item) == 3 else (*item, False)
        if options:
            pipeline.method = options.get("method", pipeline.method)
            if options.get("layer", pipeline.layer) != pipeline.layer:
                pipeline.set_layer(options.get("layer"))
            if options.pop("reset", False):
                pipeline.reset()
        emit(tag, pipeline.process(frame, still))
        done += 1
    return done
