"""The main window: pages, menus, status bar, shortcuts, settings that survive a restart."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from faceviz_gui.gui.about import AboutDialog, versions
from faceviz_gui.gui.pages import PAGES


def test_opens_with_every_page_menu_and_status(make_window, qtbot):
    w = make_window()
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())] == \
        ["Training", "Gallery", "Compare", "Live test"]
    # After the warm-up every page is built, or says honestly that it is coming.
    qtbot.waitUntil(lambda: all(h.built for h in w.hosts.values()), timeout=20000)
    for page in PAGES:
        host = w.hosts[page.key]
        assert host.panel is not None or host.error == "coming", (page.key, host.error)
    assert type(w.page("training")).__name__ == "TrainingPanel"
    menus = [a.text().replace("&", "") for a in w.menuBar().actions()]
    assert menus == ["File", "Experiment", "View", "Help"]
    assert w.context.core_ready and w.context.device in ("cpu", "cuda")
    assert w.device_label.text() in ("Device: CPU", "Device: CUDA")
    assert "synthetic faces · 96 images · 3 people" in w.data_label.text()  # experiment0: 64x60
    assert not w.busy.isVisible()


def test_shortcuts_switch_pages_and_every_action_has_a_tooltip(make_window, qtbot):
    w = make_window()
    qtbot.keyClick(w, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert w.current_page() == "compare"
    qtbot.keyClick(w, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert w.current_page() == "training"
    acts = w.actions_
    assert acts.train.shortcut().toString() == "Ctrl+T"
    assert "Esc" in [s.toString() for s in acts.stop.shortcuts()]
    for act in w.actions():
        assert act.toolTip() and act.toolTip() != act.text().replace("&", ""), act.text()


def test_settings_restored_after_restart(make_window, gui_settings, qtbot):
    w = make_window()
    w.resize(761, 693)  # inside the offscreen screen (800x800): restoreGeometry clamps to it
    w.browser.select_experiment("ex1-3")
    w.show_page("compare")
    w.browser.splitter.setSizes([150, 500])
    sizes = w.browser.splitter.sizes()
    w.close()

    w2 = make_window(settings=gui_settings)
    assert (w2.width(), w2.height()) == (761, 693)
    assert w2.current_page() == "compare"
    assert w2.browser.selected_experiment() == "ex1-3"
    assert w2.context.current_experiment == "ex1-3"
    assert w2.browser.splitter.sizes() == sizes


def test_about_lists_versions(qtbot):
    v = versions()
    for key in ("FaceViz", "Qt", "PySide6", "torch", "numpy", "Python"):
        assert v[key] and v[key] != "not loaded yet", key
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    assert v["torch"] in dialog.versions_label.text()


def test_data_source_change_reloads_and_shows_in_status_bar(make_window, qtbot, tmp_path):
    w = make_window()
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    with qtbot.waitSignal(w.startup.failed, timeout=10000) as failed:
        w.context.set_data_source(str(empty))
    assert "empty-folder" in w.data_label.text()
    boxes = [b for b in w.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1 and boxes[0].text() == failed.args[0].split("\n")[0]
    assert "empty-folder" in boxes[0].text(), boxes[0].text()


def test_launch_paints_before_importing_torch(tmp_path):
    """`faceviz-gui` as a user starts it (a fresh process), probed at its first paint."""
    import os
    import subprocess
    import sys
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FACEVIZ_STARTUP_PROBE="1",
               FACEVIZ_HOME=str(tmp_path), FACEVIZ_SETTINGS=str(tmp_path / "s.ini"))
    out = subprocess.run([sys.executable, "-m", "faceviz_gui"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = dict(l.split("=", 1) for l in out.stdout.splitlines() if "=" in l)
    assert "first_paint_wall" in lines and lines["torch_at_paint"] == "0"


def test_import_cmu_data_from_the_file_menu(make_window, qtbot, tmp_path):
    """File > Import CMU data runs datasets_fetch.import_archive on a worker and offers the
    imported faces as the data source."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from faceviz_gui.core.data import cmu_copy_dir
    from faceviz_gui.core.synth import write_synthetic
    w = make_window()
    folder = tmp_path / "downloaded-faces"
    write_synthetic(folder, n_people=2)
    asked = []

    def accept():  # the question opens, modal, in the finished slot: answer it when it shows
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and not asked:
            asked.append(box.text())
            box.button(QMessageBox.StandardButton.Yes).click()
    answerer = QTimer()
    answerer.timeout.connect(accept)
    answerer.start(20)
    w.actions_.start_import(str(folder))
    qtbot.waitUntil(lambda: w.context.data_source == str(cmu_copy_dir()), timeout=10000)
    assert "2 people" in asked[0]
    assert len(list(cmu_copy_dir().rglob("*.pgm"))) == 192
    qtbot.waitUntil(lambda: "cmu_faces" in w.data_label.text() and "images" in w.data_label.text(),
                    timeout=30000)


def test_export_and_shortcut_dialogs_open_from_the_window(make_window, qtbot):
    from PySide6.QtWidgets import QApplication, QDialog

    from faceviz_gui.gui.about import ShortcutsDialog
    w = make_window()
    w.actions_.export.trigger()  # Ctrl+E: the analysis engineer's ExportDialog, non-modal
    dialogs = [d for d in w.findChildren(QDialog) if d.isVisible()]
    assert [type(d).__name__ for d in dialogs] == ["ExportDialog"]
    dialogs[0].close()
    seen = ShortcutsDialog(w.actions(), w)
    qtbot.addWidget(seen)
    text = seen.table.text()
    for keys in ("Ctrl+T", "Ctrl+E", "Ctrl+1", "Ctrl+4", "Esc", "F1"):
        assert f"<b>{keys}" in text or f", {keys}" in text, keys
