"""A screenshot of every page of the real app, at 1400x900, with real trained runs.

With FACEVIZ_SCREENSHOTS=1 they go to docs/screenshots/ (the README shows them), with any
other value to that folder (as the analysis views' shots do), and otherwise to the test's
temporary folder, so the test still proves every page renders. Names start with "app_":
whole-window shots, apart from the panel-only shots other tests write.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

TINY = "tiny"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def out_dir(tmp_path) -> Path:
    want = os.environ.get("FACEVIZ_SCREENSHOTS", "")
    d = DOCS if want == "1" else Path(want) if want else tmp_path / "screenshots"
    d.mkdir(parents=True, exist_ok=True)
    return d


def save(window, folder: Path, name: str) -> Path:
    path = folder / f"app_{name}.png"
    assert window.grab().save(str(path))
    img = np.asarray(Image.open(path).convert("L"), dtype=np.float32)
    # A real page, not a blank; a page may widen the window by a pixel or two (min widths).
    assert img.shape[0] == 900 and 1400 <= img.shape[1] <= 1410 and img.std() > 10, name
    return path


def train(panel, qtbot, epochs: int, lr: float) -> str:
    panel.epochs.setValue(epochs)
    panel.batch.setValue(16)
    panel.lr.setValue(lr)
    with qtbot.waitSignal(panel.jobDone, timeout=60000):
        panel.start_training(TINY)
    return panel.run_path


def test_screenshot_every_page(app_style, make_window, runs_with_trained, qtbot, tmp_path):
    folder = out_dir(tmp_path)
    w = make_window(runs=runs_with_trained)
    w.resize(1400, 900)
    qtbot.waitUntil(lambda: all(h.built for h in w.hosts.values()), timeout=20000)

    # Training: an earlier run (faint) under a longer one, with its test results.
    w.browser.select_experiment(TINY)
    panel = w.training_panel
    first = train(panel, qtbot, 6, 0.003)
    second = train(panel, qtbot, 12, 0.001)
    assert panel.plots.overlay_items and panel.confusion.matrix
    w.browser.select_run(second)
    w.show_page("training")
    save(w, folder, "training")

    # Gallery: the first conv layer's maps of the longer run.
    gallery = w.page("gallery")
    w.show_page("gallery")
    if gallery is not None:
        gallery.set_steps(64)
        gallery.open_layer("conv2d_1")
        qtbot.waitUntil(lambda: not gallery.progress.isVisible(), timeout=90000)
    save(w, folder, "gallery")

    # Compare: the two tiny runs.
    compare = w.page("compare")
    w.show_page("compare")
    if compare is not None:
        compare.refresh_runs()
        compare.set_runs(second, first)
        compare.compare()
        qtbot.waitUntil(lambda: not compare.progress.isVisible(), timeout=90000)
        try:  # the matched filters' maps render after the numbers; the picture wants them
            qtbot.waitUntil(lambda: "Rendering" not in compare.status.text(), timeout=60000)
        except qtbot.TimeoutError:
            pass
    save(w, folder, "compare")

    # Live test: a synthetic face photo, as a user's own picture would come in.
    live = w.page("live")
    w.show_page("live")
    if live is not None:
        from faceviz_gui.core.data.synth import synthetic_faceset
        face = synthetic_faceset(scale=1, n_people=1, seed=3)
        i = next(k for k, r in enumerate(face.records) if r.pose == "left")
        photo = tmp_path / "me-left.png"
        Image.fromarray((face.images[i] * 255).astype(np.uint8)).resize((360, 384)).save(photo)
        live.select_run(second)
        with qtbot.waitSignal(live.worker.resultReady, timeout=30000, raising=False):
            live.show_still(photo)
    save(w, folder, "live")

    # The new-experiment form, with a validation message next to the field at fault.
    from faceviz_gui.core.training.specs import find_spec
    from faceviz_gui.gui.browser.spec_editor import SpecEditorDialog
    dialog = SpecEditorDialog(find_spec("ex1-2"), w.context, w)
    qtbot.addWidget(dialog)
    dialog.resize(1100, 860)
    dialog.show()
    dialog.widgets["name"].setText("ex1-2-small")
    dialog.layers.cell(0, "size").setValue(0)
    assert not dialog.validate()
    qtbot.waitUntil(lambda: dialog.layers_message.isVisible())
    path = folder / "app_new_experiment.png"
    assert dialog.grab().save(str(path))
