"""The main window: pages, menus, status bar, shortcuts, settings that survive a restart."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox

from faceviz_gui.gui.shell.about import AboutDialog, versions
from faceviz_gui.gui.shell.page_host import PAGES


def test_opens_with_every_page_menu_and_status(make_window, qtbot):
    w = make_window()
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())] == \
        ["Training", "Gallery", "Compare", "Live test", "Diagnose"]
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

    from faceviz_gui.core.data.sources import cmu_copy_dir
    from faceviz_gui.core.data.synth import write_synthetic
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
    from PySide6.QtWidgets import QDialog

    from faceviz_gui.gui.shell.about import ShortcutsDialog
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


# -- files in: drops anywhere on the window and File > Open… go to the Live test page --------
def _photo_folder(root):
    """A labelled folder (person/pose/*.png) of plain synthetic-looking pictures."""
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(0)
    for pose in ("left", "straight"):
        (root / "ann" / pose).mkdir(parents=True)
        for i in range(2):
            pixels = (rng.random((90, 120)) * 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / "ann" / pose / f"{i}.png")
    return root


def _drag(window, widget, paths, kind):
    """What the platform sends the window's QWindow during a drag of ``paths`` over
    ``widget``; returns the event (accepted or not, with its drop action)."""
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
    from PySide6.QtWidgets import QApplication
    mime = QMimeData()
    if paths:  # file managers offer the paths as text too, which text fields would take
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
        mime.setText("\n".join(str(p) for p in paths))
    else:
        mime.setText("just some text")
    pos = widget.mapTo(window, widget.rect().center())
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    args = (actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    if kind == "enter":
        e = QDragEnterEvent(QPointF(pos), *args)
    elif kind == "move":
        e = QDragMoveEvent(QPointF(pos), *args)
    else:
        e = QDropEvent(QPointF(pos), *args)
    e.setDropAction(Qt.DropAction.MoveAction)  # what a file manager proposes on a plain drag
    e.ignore()
    QApplication.sendEvent(window.windowHandle(), e)
    e.mime = mime  # keep the data alive while the caller looks at the event
    return e


def test_a_folder_dropped_on_any_part_of_the_window_is_scored_on_the_live_page(
        make_window, runs_with_trained, qtbot, tmp_path):
    w = make_window(runs=runs_with_trained)
    qtbot.waitUntil(lambda: w.hosts["live"].built, timeout=20000)
    folder = _photo_folder(tmp_path / "amigos")
    target = w.training_panel.plots  # plots on another page
    assert w.current_page() == "training"
    text = _drag(w, target, [], "enter")
    assert not text.isAccepted()  # a text drag is not ours, and nothing there takes it
    enter = _drag(w, target, [folder], "enter")
    move = _drag(w, w.browser, [folder], "move")
    assert enter.isAccepted() and move.isAccepted()
    assert enter.dropAction() == Qt.DropAction.CopyAction  # a move would delete the source
    drop = _drag(w, target, [folder], "drop")
    assert drop.isAccepted() and drop.dropAction() == Qt.DropAction.CopyAction
    live = w.page("live")
    qtbot.waitUntil(lambda: live.photos.evaluation is not None, timeout=30000)
    assert w.current_page() == "live" and live.tabs.currentIndex() == 1
    assert live.photos.table.rowCount() == 4
    assert sorted(r.true for r in live.photos.evaluation.rows) == ["left", "left",
                                                                  "not_left", "not_left"]

    # A text field takes text drops itself (and file managers offer paths as text too), so
    # only the window-wide filter keeps a photo dropped there from becoming typed text.
    live.tabs.setCurrentIndex(0)
    field = live.actions.person
    assert field.acceptDrops() and field.isVisible()
    photo = folder / "ann" / "left" / "0.png"
    assert _drag(w, field, [photo], "enter").isAccepted()
    _drag(w, field, [photo], "drop")
    qtbot.waitUntil(lambda: live.result is not None and live.result.frame_shape == (90, 120),
                    timeout=20000)
    assert field.text() == ""


def test_file_open_plays_a_video_and_shows_a_photo(make_window, runs_with_trained, qtbot,
                                                   tmp_path):
    import cv2
    import numpy as np
    w = make_window(runs=runs_with_trained)
    acts = w.actions_
    assert acts.open_media.shortcut().matches(QKeySequence(QKeySequence.StandardKey.Open)) \
        == QKeySequence.SequenceMatch.ExactMatch
    assert acts.open_media in w.menuBar().actions()[0].menu().actions()
    video = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 10, (160, 120))
    for i in range(10):
        writer.write(np.full((120, 160, 3), 40 + 10 * i, np.uint8))
    writer.release()
    acts.choose_media_paths = lambda: [str(video)]  # what the dialog would answer
    acts.open_media.trigger()
    live = w.page("live")
    assert w.current_page() == "live" and live.source.state == "video"
    qtbot.waitUntil(lambda: live.results >= 1, timeout=30000)
    assert live.result.frame_shape == (120, 160)

    photo = tmp_path / "me.png"
    cv2.imwrite(str(photo), np.full((200, 150), 128, np.uint8))
    acts.choose_media_paths = lambda: [str(photo)]
    acts.open_media.trigger()
    assert live.source.state == "stopped"
    qtbot.waitUntil(lambda: live.result.frame_shape == (200, 150), timeout=20000)
    acts.choose_media_paths = lambda: []  # a cancelled dialog changes nothing
    acts.open_media.trigger()
    assert live.result.frame_shape == (200, 150)


def test_a_drop_before_the_page_can_be_built_opens_once_it_is(
        qtbot, runs_with_trained, gui_settings, tmp_path):
    from faceviz_gui.gui.context import AppContext
    from faceviz_gui.gui.shell.main_window import MainWindow
    ctx = AppContext(runs_root=runs_with_trained, data_source="synthetic", settings=gui_settings)
    w = MainWindow(ctx, warm_up=False)  # torch "still loading": heavy pages cannot be built
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    folder = _photo_folder(tmp_path / "early")
    _drag(w, w.training_panel, [folder], "enter")
    _drag(w, w.training_panel, [folder], "drop")
    qtbot.waitUntil(lambda: w.current_page() == "live", timeout=5000)
    assert w.hosts["live"].panel is None and "ready" in w.statusBar().currentMessage()
    ctx.mark_core_ready()
    qtbot.waitUntil(lambda: w.hosts["live"].panel is not None
                    and w.hosts["live"].panel.photos.evaluation is not None, timeout=30000)
    assert w.hosts["live"].panel.photos.table.rowCount() == 4


def test_open_dialog_returns_a_chosen_folder_or_files(qtbot, tmp_path):
    """The dialog's own answer, without showing it: a selected folder is the answer (no
    stepping into it), and so are selected files."""
    from faceviz_gui.gui.pages.live.drops import OpenMediaDialog
    folder = _photo_folder(tmp_path / "pics")
    dialog = OpenMediaDialog(None, str(tmp_path))
    qtbot.addWidget(dialog)
    dialog.selectFile(str(folder))
    dialog.accept()
    assert dialog.result() and dialog.chosen == [str(folder)]
    files = sorted(str(p) for p in (folder / "ann" / "left").iterdir())
    dialog = OpenMediaDialog(None, str(folder / "ann" / "left"))
    qtbot.addWidget(dialog)
    dialog.selectFile(" ".join(f'"{f.rsplit("/", 1)[-1]}"' for f in files))
    dialog.accept()
    assert sorted(dialog.chosen) == files
