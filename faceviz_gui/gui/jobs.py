"""Worker jobs that two or more pages run (pool threads only, never the UI thread)."""
from __future__ import annotations


def probe_faceset(context, run, reporter=None):
    """The images a run is probed with: its own test split when it can be rebuilt, else
    the data set in use (a run trained elsewhere may not know its data source here)."""
    from faceviz_gui.core.errors import FaceVizError
    from faceviz_gui.core.training.evaluation import run_test_set
    data = context.faceset(run.spec.scale, reporter) if hasattr(context, "faceset") else None
    try:
        return run_test_set(run, data)
    except FaceVizError:
        if data is None:
            raise
        return data

