"""The run details say what the browser says: a run whose trainer died is "interrupted", not
"running" (issue 14, class 15, in the app)."""
from __future__ import annotations

import subprocess
import sys

from faceviz_gui.core import locks
from faceviz_gui.core.training.runs import Run, list_runs
from faceviz_gui.gui.widgets.run_details import RunDetails


def test_a_run_whose_trainer_is_gone_shows_interrupted(qtbot, runs_with_trained):
    run = list_runs(runs_with_trained)[0]
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()                                  # reaped: its pid names no process now
    run.set_status(state="running", pid=gone.pid, host=locks.host(), pid_start=None)
    view = RunDetails()
    qtbot.addWidget(view)
    view.show_run(Run(run.path))
    assert "interrupted" in view.fields["State"].text()
    assert "running" not in view.fields["State"].text()


def test_a_live_trainer_still_shows_running(qtbot, runs_with_trained):
    import os
    run = list_runs(runs_with_trained)[0]
    run.set_status(state="running", pid=os.getpid(), host=locks.host(),
                   pid_start=locks.process_start(os.getpid()))
    view = RunDetails()
    qtbot.addWidget(view)
    view.show_run(Run(run.path))
    assert "running" in view.fields["State"].text()
