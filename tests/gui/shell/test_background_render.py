"""Galleries rendered in the background: after opening a run, paused by other jobs, cancel,
the View-menu switch, and the Gallery then served from the cache at once."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil

import pytest
from process_jobs import until_stopped_job  # tests/helpers
from PySide6.QtCore import QSettings

from faceviz_gui.core.maps.happymaps import map_layers, render_layer
from faceviz_gui.core.training.runs import Run
from faceviz_gui.gui.background_render import BackgroundRenderer, BackgroundStatus
from faceviz_gui.gui.context import AppContext
from faceviz_gui.gui.workers import JobWorker

STEPS = 8


@pytest.fixture
def run_copy(trained_run, tmp_path):
    root = tmp_path / "runs"
    shutil.copytree(trained_run.path, root / trained_run.id, ignore=shutil.ignore_patterns("cache"))
    return Run(root / trained_run.id)


def make(qtbot, run, tmp_path, on=True):
    from PySide6.QtWidgets import QMainWindow
    settings = QSettings(str(tmp_path / "bg.ini"), QSettings.Format.IniFormat)
    settings.setValue("gallery/steps", STEPS)
    settings.setValue("view/background_render", on)
    ctx = AppContext(runs_root=run.path.parent, settings=settings)
    window = QMainWindow()
    qtbot.addWidget(window)
    bg = BackgroundRenderer(ctx, window)
    status = BackgroundStatus(bg, window.statusBar())
    window.show()
    bg.window_ = window          # the test holds the window, so Qt keeps its children
    return ctx, bg, status


def test_opening_a_run_renders_every_layer_into_the_cache(qtbot, run_copy, tmp_path):
    ctx, bg, status = make(qtbot, run_copy, tmp_path)
    texts: list[str] = []
    bg.changed.connect(texts.append)
    ctx.runSelected.emit(str(run_copy.path))
    assert bg.busy and status.cancel_button.isVisibleTo(status.cancel_button.parentWidget())
    qtbot.waitUntil(lambda: bg.finished_runs == [str(run_copy.path)] and not bg.busy, timeout=120000)
    layers = map_layers(run_copy.load_model())
    assert any(f"layer {len(layers)} of {len(layers)}" in t for t in texts)
    assert texts[-1] == "" and status.label.isHidden()

    class Refuse:        # a cache hit returns before the first step; a miss would stop here
        def report(self, **v):
            pass

        def should_stop(self):
            return True
    for layer in layers:
        lm = render_layer(run_copy, layer, steps=STEPS, reporter=Refuse())
        assert lm.settings["complete"] and len(lm.maps) > 0, layer


def test_it_waits_while_another_job_runs_and_cancel_stops_it(qtbot, run_copy, tmp_path):
    ctx, bg, status = make(qtbot, run_copy, tmp_path)
    other = JobWorker(until_stopped_job)
    other.start()
    ctx.runSelected.emit(str(run_copy.path))
    qtbot.waitUntil(lambda: bg.paused, timeout=5000)
    qtbot.waitUntil(lambda: "waits while you work" in status.label.text(), timeout=60000)
    with qtbot.waitSignal(other.done, timeout=10000):
        other.cancel()
    qtbot.waitUntil(lambda: not bg.paused and "Rendering gallery of" in status.label.text(),
                    timeout=60000)
    status.cancel_button.click()
    qtbot.waitUntil(lambda: not bg.busy, timeout=30000)
    assert bg.finished_runs in ([], [str(run_copy.path)]) and status.label.isHidden()


def test_switched_off_it_renders_nothing_and_remembers(qtbot, run_copy, tmp_path):
    ctx, bg, _ = make(qtbot, run_copy, tmp_path, on=False)
    assert not bg.toggle.isChecked()
    ctx.runSelected.emit(str(run_copy.path))
    assert not bg.busy
    bg.toggle.setChecked(True)
    assert QSettings(str(tmp_path / "bg.ini"), QSettings.Format.IniFormat).value(
        "view/background_render") in (True, "true")
    ctx.runSelected.emit(str(run_copy.path))
    assert bg.busy
    bg.toggle.setChecked(False)      # turning it off cancels the render under way
    qtbot.waitUntil(lambda: not bg.busy, timeout=30000)
