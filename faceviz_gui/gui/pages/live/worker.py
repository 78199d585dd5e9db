"""The live inference thread: core.live.serve on a QThread, results out as a queued signal.

The UI thread only ever ``submit``s a frame into the LatestFrameSlot (which never blocks: a
frame still waiting is replaced and counted as dropped) and receives ``resultReady``. The
worker builds its own model from the run, so the training thread's model is never touched.
Stopping closes the slot and sets the stop flag; the thread finishes its frame and exits.
"""
from __future__ import annotations

import time
from collections import deque

from PySide6.QtCore import QThread, Signal

from faceviz_gui.core.live.pipeline import LatestFrameSlot, LivePipeline, serve
from faceviz_gui.core.tasks import CallbackReporter


class LiveWorker(QThread):
    resultReady = Signal(object, object)   # tag (the frame shown), LiveResult
    failed = Signal(str)

    def __init__(self, run, method: str = "gradcam", parent=None):
        super().__init__(parent)
        self.run_ref = run
        self.slot = LatestFrameSlot()
        self.options = {"method": method}
        self.reporter = CallbackReporter()
        self.processed = 0
        self._times: deque[float] = deque(maxlen=30)
        self.resultReady.connect(self._count)

    # -- UI thread -------------------------------------------------------------------------
    def submit(self, frame, tag=None, still: bool = False) -> None:
        self.slot.put((frame, tag if tag is not None else frame, still))

    def set_method(self, method: str) -> None:
        self.options["method"] = method

    def set_layer(self, layer: str | None) -> None:
        """Hook ``layer`` in each frame's forward pass (the layer view); None: no hook."""
        self.options["layer"] = layer

    def reset_tracking(self) -> None:
        self.options["reset"] = True

    @property
    def dropped(self) -> int:
        return self.slot.dropped

    @property
    def fps(self) -> float:
        """Results per second over the last 30 frames."""
        if len(self._times) < 2:
            return 0.0
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0

    def stop(self, wait_ms: int = 5000) -> bool:
        self.reporter.stop.set()
        self.slot.close()
        return self.wait(wait_ms)

    def _count(self, *_):
        self.processed += 1
        self._times.append(time.monotonic())

    # -- worker thread ---------------------------------------------------------------------
    def run(self) -> None:
        try:
            serve(lambda: LivePipeline.from_run(self.run_ref, self.options["method"]),
                  self.slot, self.resultReady.emit, self.reporter, poll=1.0, options=self.options)
        except Exception as exc:  # a broken run must not take the page down
            self.failed.emit(f"Live testing stopped: {exc or type(exc).__name__}")
