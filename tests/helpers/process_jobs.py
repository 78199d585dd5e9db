"""Job functions for tests/gui/shell/test_process_jobs.py: importable by the worker process."""
from __future__ import annotations

import os
import time

import numpy as np

from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.gui.process_child import in_process


@in_process("maps")
def count_job(n: int, reporter=None):
    for i in range(n):
        reporter.report(kind="preview", step=i, images=np.full((2, 3), i, np.float32))
    return {"pid": os.getpid(), "nice": os.nice(0), "n": n}


@in_process("maps")
def failing_job(reporter=None):
    raise FaceVizError("the weights are not there")


@in_process("maps")
def until_stopped_job(reporter=None):
    steps = 0
    while not reporter.should_stop():
        steps += 1
        reporter.report(kind="layer", steps=steps)
        time.sleep(0.01)
    return steps
