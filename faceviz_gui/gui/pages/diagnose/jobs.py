"""The Diagnose page's worker jobs (pool threads only): one or two runs diagnosed on the same
folder, and the report written."""
from __future__ import annotations

from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.tasks import SideReporter


def _one(context, run, root, crop_faces, method, reporter, folder=None):
    from faceviz_gui.core.diagnose.job import diagnose
    # The data set in use is what runs here were trained on, and already in memory; a run
    # trained on other data falls back to the source it recorded.
    data = None
    if hasattr(context, "faceset"):
        try:
            data = context.faceset(run.spec.scale, reporter)
        except FaceVizError:
            data = None
    try:
        return diagnose(run, root, crop_faces=crop_faces, method=method, reporter=reporter,
                        train_data=data, folder=folder)
    except FaceVizError:
        if data is None:
            raise
        return diagnose(run, root, crop_faces=crop_faces, method=method, reporter=reporter,
                        folder=folder)


def diagnose_job(context, run_a, run_b, root, crop_faces: bool, method: str = "gradcam",
                 reporter=None):
    """(diagnosis of A, diagnosis of B or None); B reuses A's read of the folder when the two
    networks take the same input for the same task."""
    a = _one(context, run_a, root, crop_faces, method, SideReporter(reporter, "a"))
    if run_b is None or a.stopped or reporter.should_stop():
        return a, None
    same = (run_b.spec.input_size == run_a.spec.input_size and run_b.spec.task == run_a.spec.task)
    b = _one(context, run_b, root, crop_faces, method, SideReporter(reporter, "b"),
             folder=a.folder if same else None)
    return a, b


def export_job(diag_a, diag_b, folder: str, reporter=None):
    """index.html for A in ``folder`` and, when there is a B, B's in ``folder``/b."""
    from pathlib import Path

    from faceviz_gui.core.diagnose.report_html import write_report
    links = {}
    if diag_b is not None:
        write_report(diag_b, Path(folder) / "b", f"Run B: {diag_b.experiment} ({diag_b.run_id})",
                     {"Run A's report": "../index.html"})
        links = {f"Run B's report ({diag_b.experiment}, accuracy {diag_b.accuracy:.2f})": "b/index.html"}
    return str(write_report(diag_a, folder, "", links))
