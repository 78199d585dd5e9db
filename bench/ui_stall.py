"""UI stalls while the machine is busy: gaps between ticks of a 10 ms UI timer.

Measures p50/p99/worst gap (ms) on the UI thread, offscreen, while
  render   the Gallery renders a layer (4096 steps, so it never finishes in the window),
           its job in the worker process (the app's way) and, for comparison, on a pool
           thread (FACEVIZ_JOBS_IN_THREADS=1, the way before)
  train    a real training runs in the "training" worker process, as the Training page runs
           it (a pool thread waits for it), and, for comparison, on the pool thread itself
each with and without a busy neighbour (a second process spinning on one core), in one run.
The tests bound p99 < 50 ms (tests/gui/gallery, tests/gui/training); this prints the figures.

    QT_QPA_PLATFORM=offscreen python bench/ui_stall.py [--seconds 4] [--only render,train]

Last line: key=value pairs.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QElapsedTimer, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import faceviz_gui.gui  # noqa: E402,F401  (PySide6 refcount guard first)
from faceviz_gui.core.data.synth import synthetic_faceset  # noqa: E402
from faceviz_gui.core.training.fit import fit  # noqa: E402
from faceviz_gui.core.training.specs import find_spec  # noqa: E402
from faceviz_gui.gui.context import AppContext  # noqa: E402
from faceviz_gui.gui.pages.gallery.page import GalleryPanel  # noqa: E402
from faceviz_gui.gui.process_host import call_in_process  # noqa: E402
from faceviz_gui.gui.widgets.map_grid import PREVIEW  # noqa: E402
from faceviz_gui.gui.workers import JobWorker  # noqa: E402


def wait_until(app, cond, timeout=60.0):
    t0 = time.monotonic()
    while not cond():
        app.processEvents()
        if time.monotonic() - t0 > timeout:
            raise TimeoutError("condition not met")
        time.sleep(0.005)


def measure(app, seconds: float) -> list[int]:
    """Gaps (ms) between ticks of a 10 ms timer for ``seconds``, the event loop running."""
    gaps: list[int] = []
    clock = QElapsedTimer()
    ticker = QTimer()
    ticker.setInterval(10)
    ticker.timeout.connect(lambda: gaps.append(clock.restart()))
    clock.start()
    ticker.start()
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        app.processEvents()
        time.sleep(0.001)
    ticker.stop()
    return sorted(gaps)


def summary(gaps: list[int]) -> tuple[int, int, int]:
    return gaps[len(gaps) // 2], gaps[int(0.99 * (len(gaps) - 1))], gaps[-1]


def train_job(spec, data, root, reporter=None):
    import torch
    torch.set_num_threads(1)
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.001)     # as gui/pages/training/jobs.py does
    try:
        return fit(spec, data, reporter, runs_root=root, device="cpu")
    finally:
        sys.setswitchinterval(before)


def during_render(app, run, root, seconds, in_threads: bool):
    os.environ["FACEVIZ_JOBS_IN_THREADS"] = "1" if in_threads else "0"
    ctx = AppContext(runs_root=root, settings=QSettings(str(Path(root) / "b.ini"), QSettings.Format.IniFormat))
    panel = GalleryPanel(ctx)
    panel.set_steps(4096)
    panel.resize(1200, 760)
    panel.show()
    ctx.runSelected.emit(str(run.path))
    wait_until(app, lambda: panel.render_slot.busy and panel.grid.stage_counts()[PREVIEW] > 0, 120)
    gaps = measure(app, seconds)
    panel.stop()
    wait_until(app, lambda: panel.render_slot.alive == 0, 60)
    panel.close()
    panel.deleteLater()
    return gaps


def train_process_job(spec, data, root, reporter=None):
    return call_in_process("training", fit, spec, data, reporter=reporter, runs_root=root, device="cpu")


def during_training(app, spec, data, root, seconds, in_process: bool = True):
    spec = spec.copy()
    spec.train.epochs, spec.train.batch_size = 400, 8
    w = JobWorker(train_process_job if in_process else train_job, spec, data, root)
    seen = []
    w.progress.connect(seen.append)
    w.start()
    wait_until(app, lambda: any(r.get("kind") == "batch" for r in seen), 120)
    gaps = measure(app, seconds)
    w.cancel()
    wait_until(app, lambda: not w.running, 60)
    return gaps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--only", default="render,train")
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    spec = find_spec("experiment0").copy(scale=4)
    spec.train.epochs, spec.train.batch_size = 3, 32
    data = synthetic_faceset(scale=4, n_people=8, seed=0)
    keys: dict[str, str] = {}
    print(f"{'case':34} {'ticks':>6} {'p50 ms':>7} {'p99 ms':>7} {'worst':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        run = fit(spec, data, runs_root=tmp, device="cpu").run
        for neighbour in (False, True):
            spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if neighbour else None
            try:
                cases = []
                if "render" in args.only:
                    cases += [("render_process", lambda: during_render(app, run, tmp, args.seconds, False)),
                              ("render_thread", lambda: during_render(app, run, tmp, args.seconds, True))]
                if "train" in args.only:
                    cases += [("train_process", lambda: during_training(app, spec, data, tmp, args.seconds)),
                              ("train_thread", lambda: during_training(app, spec, data, tmp, args.seconds, False))]
                for name, fn in cases:
                    gaps = fn()
                    p50, p99, worst = summary(gaps)
                    label = f"{name} {'busy neighbour' if neighbour else 'quiet'}"
                    print(f"{label:34} {len(gaps):6d} {p50:7d} {p99:7d} {worst:6d}", flush=True)
                    tag = f"{name}{'_busy' if neighbour else ''}"
                    keys[f"{tag}_p99_ms"] = str(p99)
            finally:
                if spinner is not None:
                    spinner.kill()
                    spinner.wait()
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(" ".join(f"{k}={v}" for k, v in keys.items()))


if __name__ == "__main__":
    main()
