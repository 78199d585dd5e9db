"""Screenshot of the Live page's layer view for the README: a CMU face the run never saw,
fed like camera frames, one conv layer lit up, its most active filter selected.

    QT_QPA_PLATFORM=offscreen python bench/live_layers_screenshot.py [--cmu /path/to/cmu_faces]
        [--run RUN] [--layer conv2d_2] [--out docs/screenshots/live_layers.png]

Without --run it trains experiment0 at 64x60 on the CMU faces first (a minute or two on one
core). The HappyMap of the selected filter comes from the run's map cache, or is rendered
on demand as the page does; the top 9 images are ranked on the run's test split.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "helpers"))
from live_helpers import cmu_shot, place, unseen_shots  # noqa: E402


def wait(app, cond, timeout=180.0) -> bool:
    end = time.monotonic() + timeout
    while not cond() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)
    return cond()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cmu", type=Path, default=os.environ.get("FACEVIZ_CMU_DIR"),
                    help="the CMU faces folder (default: $FACEVIZ_CMU_DIR)")
    ap.add_argument("--run", help="a CMU-trained run folder (default: train experiment0)")
    ap.add_argument("--layer", default="conv2d_2")
    ap.add_argument("--pose", default="left")
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots/live_layers.png"))
    args = ap.parse_args()
    if not args.cmu:
        raise SystemExit("give --cmu or set FACEVIZ_CMU_DIR")
    args.cmu = Path(args.cmu)
    import torch
    torch.set_num_threads(1)
    from PySide6.QtWidgets import QApplication

    from faceviz_gui.core.training.runs import Run
    from faceviz_gui.gui.context import AppContext
    from faceviz_gui.gui.pages.live.page import LivePanel

    app = QApplication.instance() or QApplication([])
    if args.run:
        run = Run(args.run)
    else:
        from faceviz_gui.core.data.cmu import load_cmu
        from faceviz_gui.core.training.fit import fit
        from faceviz_gui.core.training.specs import find_spec
        root = Path(tempfile.mkdtemp(prefix="faceviz-layers-"))
        run = fit(find_spec("experiment0"), load_cmu(args.cmu, scale=2), runs_root=root, device="cpu").run
    ctx = AppContext(runs_root=run.path.parent, data_source=str(args.cmu))
    panel = LivePanel(ctx)
    panel.resize(1400, 900)
    panel.show()
    panel.select_run(run.path)
    lv = panel.layers
    lv.layer_combo.setCurrentIndex(lv.layer_combo.findData(args.layer))
    for path in unseen_shots(run, args.cmu, args.pose, 6):  # the first one the cascades find
        frame, _ = place(cmu_shot(path), 170, 70)
        rgb = np.repeat(frame[..., None], 3, axis=2)
        panel.reset_tracking() if hasattr(panel, "reset_tracking") else panel._reset_tracking()
        for _ in range(8):      # frames as a camera gives them: found, then tracked
            n = panel.results
            panel.feed_frame(rgb)
            wait(app, lambda: panel.results > n)
        if panel.result.found:
            break
    assert panel.result.found and lv.acts is not None and lv.acts.layer == args.layer
    lv.sort.setChecked(True)
    lv.grid.set_current(lv.grid.order()[0])      # the most active filter
    ok = wait(app, lambda: lv.detail.happymap.image() is not None and lv.detail.top_count() == 9)
    print("HappyMap and top 9 shown" if ok else "timed out waiting for the HappyMap/top 9")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    panel.grab().save(str(args.out))
    panel.shutdown()
    print("saved", args.out)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
