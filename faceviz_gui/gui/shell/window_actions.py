"""Menus, toolbar and shortcuts of the main window, and the handlers that are not a panel's."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox, QStyle

from faceviz_gui.gui.shell.page_host import PAGES
from faceviz_gui.gui.workers import JobWorker


class WindowActions:
    def __init__(self, window):
        self.w = window
        self.ctx = window.context
        self.import_worker: JobWorker | None = None
        style = window.style()
        icon = lambda sp: style.standardIcon(sp)  # noqa: E731
        SP = QStyle.StandardPixmap

        self.open_media = self._act("&Open…", self.open_files, QKeySequence.StandardKey.Open,
                                    "Test the run on photos, a video file or a labelled folder "
                                    "(Live test page; you can also drop them on the window)",
                                    icon(SP.SP_DialogOpenButton))
        self.data_source = self._act("&Data source…", self.choose_data_source, "Ctrl+D",
                                     "Choose the data set: synthetic faces, your CMU copy, or a folder",
                                     icon(SP.SP_DriveHDIcon))
        self.import_cmu = self._act("&Import CMU data…", self.import_cmu_data, None,
                                    "Import the CMU Face Images archive (.zip, .tar.gz) or folder "
                                    "you downloaded from the UCI archive")
        self.fetch_cmu = self._act("Do&wnload CMU data…", self.download_cmu_data, None,
                                   "Download the CMU Face Images archive from the UCI archive "
                                   "and import it")
        self.export = self._act("&Export gallery…", self.export_gallery, "Ctrl+E",
                                "Export HappyMap sheets, per-filter PNGs, HTML or PDF",
                                icon(SP.SP_DialogSaveButton))
        self.open_folder = self._act("&Open run folder", self.open_run_folder, "Ctrl+Shift+O",
                                     "Open the selected run's folder in the file manager",
                                     icon(SP.SP_DirOpenIcon))
        self.quit = self._act("&Quit", window.close, QKeySequence.StandardKey.Quit,
                              "Quit FaceViz (a running training is stopped with a checkpoint)")

        b = window.browser
        self.new_exp = self._act("&New from selected…", b.new_experiment, "Ctrl+N",
                                 "Duplicate the selected experiment and edit it",
                                 icon(SP.SP_FileDialogNewFolder))
        self.train = self._act("&Train", self.train_selected, "Ctrl+T",
                               "Train the selected experiment (Ctrl+T)", icon(SP.SP_MediaPlay))
        self.pause = self._act("&Pause / continue", self.toggle_pause, "Ctrl+P",
                               "Hold training in memory and free the CPU; again to continue",
                               icon(SP.SP_MediaPause))
        self.stop = self._act("&Stop", self.stop_training, None,
                              "Stop training and save a checkpoint (Ctrl+. or Esc)",
                              icon(SP.SP_MediaStop))
        self.stop.setShortcuts([QKeySequence("Ctrl+."), QKeySequence("Esc")])
        self.resume = self._act("&Resume run", b.resume_selected, "Ctrl+R",
                                "Continue the selected stopped run from its checkpoint",
                                icon(SP.SP_MediaSeekForward))
        self.delete = self._act("&Delete run…", b.delete_selected, QKeySequence.StandardKey.Delete,
                                "Delete the selected run's folder (asks first)",
                                icon(SP.SP_TrashIcon))
        self.refresh = self._act("Re&fresh", b.refresh, "F5", "Reload experiments and runs",
                                 icon(SP.SP_BrowserReload))

        self.page_actions = []
        for i, page in enumerate(PAGES, start=1):
            act = self._act(page.title, lambda _=False, k=page.key: window.show_page(k),
                            f"Ctrl+{i}", f"{page.tip} (Ctrl+{i})")
            self.page_actions.append(act)
        self.zoom_in = self._act("Zoom &in", lambda: window.zoom(1.1), QKeySequence.StandardKey.ZoomIn,
                                 "Larger text")
        self.zoom_out = self._act("Zoom &out", lambda: window.zoom(1 / 1.1),
                                  QKeySequence.StandardKey.ZoomOut, "Smaller text")
        self.zoom_reset = self._act("&Reset zoom", lambda: window.zoom(None), "Ctrl+0",
                                    "Default text size")
        self.about = self._act("&About FaceViz", self.show_about, QKeySequence.StandardKey.HelpContents,
                               "Versions of FaceViz, Qt, torch, numpy and Python (F1)")
        self.shortcuts = self._act("&Keyboard shortcuts", self.show_shortcuts, "Ctrl+/",
                                   "Every keyboard shortcut of the window")
        self._menus()
        self._toolbar()
        self.ctx.trainingChanged.connect(self.update_enabled)
        self.ctx.runSelected.connect(lambda _p: self.update_enabled())
        self.ctx.experimentSelected.connect(lambda _n: self.update_enabled())
        self.update_enabled()

    def _act(self, text, slot, shortcut, tip, icon=None) -> QAction:
        act = QAction(text, self.w)
        if icon is not None:
            act.setIcon(icon)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.setToolTip(tip)
        act.setStatusTip(tip)
        act.triggered.connect(slot)
        self.w.addAction(act)  # shortcuts work with the menu bar hidden too
        return act

    def _menus(self) -> None:
        bar = self.w.menuBar()
        m = bar.addMenu("&File")
        m.addAction(self.open_media)
        m.addSeparator()
        m.addActions([self.data_source, self.import_cmu, self.fetch_cmu])
        m.addSeparator()
        m.addActions([self.export, self.open_folder])
        m.addSeparator()
        m.addAction(self.quit)
        m = bar.addMenu("&Experiment")
        m.addActions([self.new_exp, self.train, self.pause, self.stop, self.resume])
        m.addSeparator()
        m.addActions([self.delete, self.refresh])
        m = bar.addMenu("&View")
        m.addActions(self.page_actions)
        m.addSeparator()
        dock = self.w.dock.toggleViewAction()
        dock.setShortcut(QKeySequence("Ctrl+B"))
        dock.setToolTip("Show or hide the experiment browser (Ctrl+B)")
        m.addAction(dock)
        self.dock_toggle = dock
        m.addSeparator()
        m.addActions([self.zoom_in, self.zoom_out, self.zoom_reset])
        m = bar.addMenu("&Help")
        m.addActions([self.shortcuts, self.about])
        for menu in bar.findChildren(type(m)):
            menu.setToolTipsVisible(True)

    def _toolbar(self) -> None:
        tb = self.w.addToolBar("Main")
        tb.setObjectName("MainToolbar")
        tb.setMovable(False)
        from PySide6.QtCore import Qt
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addActions([self.new_exp, self.train, self.pause, self.stop, self.resume])
        tb.addSeparator()
        tb.addActions([self.data_source, self.export, self.open_folder])
        self.toolbar = tb
        from faceviz_gui.gui.shell.toolbar_fit import ToolbarFit
        self.toolbar_fit = ToolbarFit(tb)  # short labels, then icons: nothing falls off
        m = self.w.menuBar().actions()[2].menu()  # View
        m.insertAction(self.dock_toggle, tb.toggleViewAction())

    # -- enabling -------------------------------------------------------------------------
    def update_enabled(self, *_):
        panel = self.w.hosts["training"].panel
        running = bool(panel is not None and panel.is_running())
        has_exp = bool(self.ctx.current_experiment)
        run = self.ctx.current_run
        self.train.setEnabled(has_exp and not running)
        self.pause.setEnabled(running)
        self.stop.setEnabled(running)
        self.resume.setEnabled(bool(run) and not running and self.w.browser.can_resume(run))
        self.delete.setEnabled(bool(run) and self.w.browser.selected_run() == run)
        self.open_folder.setEnabled(bool(run))
        self.export.setEnabled(True)

    # -- handlers -------------------------------------------------------------------------
    def train_selected(self) -> None:
        if self.ctx.current_experiment:
            self.w.show_page("training")
            self.w.training_panel.start_training(self.ctx.current_experiment)

    def toggle_pause(self) -> None:
        panel = self.w.training_panel
        if panel is not None:
            panel.toggle_pause()

    def stop_training(self) -> None:
        panel = self.w.training_panel
        if panel is not None and panel.is_running():
            panel.stop_training()

    def open_files(self) -> None:
        paths = self.choose_media_paths()
        if paths:
            self.w.open_paths(paths)

    def choose_media_paths(self) -> list[str]:
        """Ask for photos, a video or a folder (tests put their paths in here instead)."""
        from faceviz_gui.gui.pages.live.drops import OpenMediaDialog
        return OpenMediaDialog.ask(self.w)

    def open_run_folder(self) -> None:
        path = self.ctx.current_run
        if path and Path(path).is_dir():
            QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def choose_data_source(self) -> None:
        from faceviz_gui.gui.shell.data_source_dialog import DataSourceDialog
        dialog = DataSourceDialog(self.ctx.data_source, self.w)
        if dialog.exec():
            self.ctx.set_data_source(dialog.source())

    def export_gallery(self) -> None:
        try:
            from faceviz_gui.gui.pages.gallery.export_dialog import ExportDialog
        except ImportError:
            QMessageBox.information(self.w, "Export gallery", "Export is coming: it is still being built.")
            return
        dialog = ExportDialog(self.ctx, self.w)
        dialog.open()

    def show_shortcuts(self) -> None:
        from faceviz_gui.gui.shell.about import ShortcutsDialog
        ShortcutsDialog(self.w.actions(), self.w).exec()

    def show_about(self) -> None:
        from faceviz_gui.gui.shell.about import AboutDialog
        AboutDialog(self.w).exec()

    def import_cmu_data(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.w, "Import CMU Face Images", "",
            "Archives (*.zip *.tar *.tar.gz *.tgz);;All files (*)")
        if not path:
            path = QFileDialog.getExistingDirectory(self.w, "…or choose an unpacked CMU faces folder")
        if path:
            self.start_import(path)

    def start_import(self, path: str) -> JobWorker | None:
        """`faceviz data import PATH` on a worker; offers the result as the data source."""
        from faceviz_gui.core.data import fetch as datasets_fetch
        return self._start_data_job(f"Importing {Path(path).name}…", datasets_fetch.import_archive,
                                    path)

    def download_cmu_data(self) -> None:
        from faceviz_gui.core.data import fetch as datasets_fetch
        if QMessageBox.question(
                self.w, "Download CMU faces",
                f"Download the CMU Face Images archive (about 40 MB) from\n"
                f"{datasets_fetch.UCI_URL}\nand import it?") == QMessageBox.StandardButton.Yes:
            self._start_data_job("Downloading CMU faces…", datasets_fetch.fetch)

    def _start_data_job(self, text: str, fn, *args) -> JobWorker | None:
        if self.import_worker is not None:
            self.w.show_error("CMU data", "An import is already running.")
            return None
        self.w.startup.stage.emit(text, True)
        worker = JobWorker(fn, *args)
        worker.progress.connect(self._import_progress)
        worker.finished.connect(self._imported)
        worker.failed.connect(lambda msg: self.w.show_error("Import failed", msg))
        worker.done.connect(self._import_done)
        self.import_worker = worker
        worker.start()
        return worker

    def _import_progress(self, r: dict) -> None:
        done, total = r.get("done"), r.get("total")
        pct = f" {100 * done / total:.0f}%" if done is not None and total else ""
        self.w.statusBar().showMessage(f"{r.get('message') or 'Importing'}{pct}", 0)

    def _import_done(self) -> None:
        self.import_worker = None
        self.w.busy.setVisible(False)

    def _imported(self, result) -> None:
        if result is None:
            self.w.statusBar().showMessage("Import stopped", 5000)
            return
        folder = str(result.folder)
        skipped = f" ({len(result.skipped)} files skipped)" if result.skipped else ""
        self.w.statusBar().showMessage(f"Imported {result.files} images of "
                                       f"{len(result.people)} people{skipped}", 8000)
        if QMessageBox.question(
                self.w, "CMU data imported",
                f"{result.files} images of {len(result.people)} people are in\n{folder}\n\n"
                "Use them as the data source now?") == QMessageBox.StandardButton.Yes:
            self.ctx.set_data_source(folder)
