"""Fixtures for the desktop app's tests: offscreen Qt, a private QSettings, a main window on
small in-memory synthetic faces, and a tiny scale-4 experiment that trains in about a second."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

import faceviz_gui.gui  # noqa: F401  (guards PySide6 6.12's refcount leak before any Qt call)

TINY = "tiny"  # the user experiment the training tests run (experiment0 at 32x30)


@pytest.fixture(autouse=True)
def ui_thread_gc(qapp):
    """Collect garbage on the UI thread only, as the app does (faceviz_gui/gui/gc_guard.py)."""
    from faceviz_gui.gui.gc_guard import install
    return install(qapp)


@pytest.fixture
def gui_settings(tmp_path) -> QSettings:
    s = QSettings(str(tmp_path / "faceviz-test.ini"), QSettings.Format.IniFormat)
    # Background gallery renders would compete with what each test measures; the tests of
    # that feature turn it on (tests/gui/shell/test_background_render.py).
    s.setValue("view/background_render", False)
    return s


@pytest.fixture
def tiny_experiment(faceviz_home):
    """experiment0 at scale 4 saved as the user's experiment "tiny"; a few batches per epoch."""
    from faceviz_gui.core.training.specs import find_spec, user_models_dir
    spec = find_spec("experiment0").copy(scale=4, name=TINY, description="experiment0 at 32x30")
    spec.train.epochs = 4
    spec.train.batch_size = 16
    return spec.save(user_models_dir() / f"{TINY}.toml")


@pytest.fixture
def small_faces_2():
    from faceviz_gui.core.data.synth import synthetic_faceset
    return synthetic_faceset(scale=2, n_people=3, seed=0)


@pytest.fixture
def make_window(qtbot, tmp_path, gui_settings, synthetic_small, small_faces_2, tiny_experiment):
    """``make_window(settings=None, runs=None)`` -> a shown MainWindow whose core is ready and
    whose data (in-memory synthetic faces at scales 4 and 2) is loaded: the real warm-up job
    runs, it just finds the data already there."""
    from faceviz_gui.gui.context import AppContext
    from faceviz_gui.gui.shell.main_window import MainWindow

    def make(settings: QSettings | None = None, runs: Path | None = None, size=(1400, 900)):
        ctx = AppContext(runs_root=runs or tmp_path / "runs", data_source="synthetic",
                         settings=settings or gui_settings)
        ctx.set_faceset(4, synthetic_small)
        ctx.set_faceset(2, small_faces_2)
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        if settings is None:
            window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: bool(ctx.data_description), timeout=30000)
        return window
    return make


@pytest.fixture
def runs_with_trained(tmp_path, trained_run) -> Path:
    """A runs folder holding a copy of the shared tiny trained run (experiment0, scale 4)."""
    root = tmp_path / "runs"
    root.mkdir(exist_ok=True)
    shutil.copytree(trained_run.path, root / trained_run.id, ignore=shutil.ignore_patterns("cache"))
    return root


@pytest.fixture
def app_style(qapp):
    """The real app's look (Fusion, palette, stylesheet, font), put back afterwards: layout
    tests measure with the fonts and paddings a user gets."""
    from faceviz_gui.gui.shell.app import apply_style
    style, palette, sheet, font = qapp.style().name(), qapp.palette(), qapp.styleSheet(), qapp.font()
    apply_style(qapp)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setFont(font)
    qapp.setStyle(style)
