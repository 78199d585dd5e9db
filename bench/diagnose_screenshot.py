"""Screenshot of the Diagnose page for the README, in the whole window at 1400x900, with a
real diagnosis (the page's own job) of a CMU-trained run on a labelled folder; the report's
plots are written beside it.

    QT_QPA_PLATFORM=offscreen FACEVIZ_HOME=... python bench/diagnose_screenshot.py \
        --run RUN --data /path/to/pointing_dev [--cmu /path/to/cmu_faces] \
        [--out docs/screenshots/app_diagnose.png] [--plots docs/diagnose]
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def wait(app, cond, timeout=600.0) -> bool:
    end = time.monotonic() + timeout
    while not cond() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)
    return cond()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--cmu", help="the data the run trained on (default: its recorded source)")
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots/app_diagnose.png"))
    ap.add_argument("--plots", type=Path, default=Path("docs/diagnose"))
    args = ap.parse_args()
    import torch
    torch.set_num_threads(1)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from faceviz_gui.core.training.runs import find_run
    from faceviz_gui.gui.context import AppContext
    from faceviz_gui.gui.shell.app import apply_style
    from faceviz_gui.gui.shell.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    apply_style(app)
    run = find_run(args.run)
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
    ctx = AppContext(runs_root=run.path.parent, data_source=args.cmu or run.status.get("data"),
                     settings=settings)
    w = MainWindow(ctx)
    w.resize(1400, 900)
    w.show()
    w.show_page("diagnose")
    assert wait(app, lambda: w.page("diagnose") is not None, 120)
    page = w.page("diagnose")
    page.refresh_runs()
    page.controls.picker.set_runs(run, run)     # A is the run asked for (B stays unticked)
    page.controls.crop.setChecked(True)
    page.start(args.data)
    ok = wait(app, lambda: page.diag_a is not None)
    print("diagnosis shown" if ok else "timed out")
    page.tabs.setCurrentWidget(page.embedding)
    wait(app, lambda: False, 1.0)
    d = page.diag_a
    wrong = [i for i in d.mistakes() if d.classes[d.folder.labels[i]] != d.classes[0]] or d.mistakes()
    if wrong:   # what hovering a ring shows: the most confident mistake's crop
        page.embedding.hover_at(*d.embedding.points[wrong[0]])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    w.grab().save(str(args.out))
    print("saved", args.out, page.controls.status.text())
    tmp = Path(tempfile.mkdtemp())
    page.export_to(str(tmp))
    wait(app, lambda: bool(page.last_export), 120)
    args.plots.mkdir(parents=True, exist_ok=True)
    for png in sorted(tmp.glob("*.png")):
        shutil.copy(png, args.plots / png.name)
        print("saved", args.plots / png.name)
    for line in page.diag_a.findings:
        print("-", line)
    w.close()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
