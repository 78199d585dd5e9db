"""The jobs the training panel runs on its worker: plain functions taking a reporter.

Each one sets torch to one thread (the UI keeps the other core on a 2-core machine) and
shortens the GIL switch interval while it trains, so the UI thread, which needs the GIL for
every Python slot and paint, waits at most ~1 ms for it instead of 5. It reports
``kind="run"`` with the run folder as soon as it exists, then hands over to core.training,
whose batch and epoch reports go straight to the panel.
"""
from __future__ import annotations

import shutil
import sys
from contextlib import contextmanager

from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.gui.process_host import call_in_process  # the loop runs in a worker process

SWITCH_INTERVAL_S = 0.001


@contextmanager
def _ui_friendly():
    import torch
    torch.set_num_threads(1)
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, SWITCH_INTERVAL_S))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def train_job(context, spec, reporter):
    """Train ``spec`` (overrides applied) on the app's data source in a new run."""
    with _ui_friendly():
        return _train(context, spec, reporter)


def _train(context, spec, reporter):
    from faceviz_gui.core.training.fit import fit
    from faceviz_gui.core.training.runs import create_run
    faces = context.faceset(spec.scale, reporter)
    if faces.size != spec.input_size:
        raise FaceVizError(f"the data is {faces.size[1]}x{faces.size[0]} but {spec.name} takes "
                           f"{spec.input_size[1]}x{spec.input_size[0]}")
    faces.labels(spec.task)  # a DataError now, before a run folder exists
    if reporter.should_stop():
        return None
    run = create_run(spec, context.runs_root, data=context.data_source)
    reporter.report(kind="run", path=str(run.path))
    try:
        return call_in_process("training", fit, spec, faces, reporter=reporter,
                               runs_root=context.runs_root, device=context.device,
                               run=run, source=context.data_source)
    except BaseException:
        if run.state == "created":  # failed before training began: nothing worth keeping
            shutil.rmtree(run.path, ignore_errors=True)
        raise


def resume_job(context, run_path: str, reporter):
    """Continue a stopped (or killed) run from its checkpoint."""
    with _ui_friendly():
        return _resume(context, run_path, reporter)


def _resume(context, run_path: str, reporter):
    from faceviz_gui.core.training.fit import resume
    from faceviz_gui.core.training.runs import Run
    run = Run(run_path)
    data = None
    if run.status.get("data", "") == context.data_source:
        data = context.faceset(run.spec.scale, reporter)  # already loaded: no second copy
    reporter.report(kind="run", path=str(run.path))
    return call_in_process("training", resume, run, data, reporter=reporter, device=context.device,
                           runs_root=context.runs_root)
