"""The main window: experiment browser docked left, pages on the right, menus, status bar.

Wiring only: the panels do the work, window_actions.py holds the menus and their handlers.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QTabWidget,
)

from faceviz_gui.gui import settings as keys
from faceviz_gui.gui.background_render import BackgroundRenderer, BackgroundStatus
from faceviz_gui.gui.browser.experiments import ExperimentBrowser
from faceviz_gui.gui.context import AppContext, describe_source
from faceviz_gui.gui.face_finder_menu import FaceFinderMenu
from faceviz_gui.gui.pages.live.drops import FileDropFilter
from faceviz_gui.gui.shell.page_host import PAGES, PageHost
from faceviz_gui.gui.shell.startup import Startup
from faceviz_gui.gui.shell.window_actions import WindowActions


class MainWindow(QMainWindow):
    firstPainted = Signal()

    def __init__(self, context: AppContext, resolve_source: bool = False, warm_up: bool = True,
                 parent=None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("FaceViz")
        self.setObjectName("MainWindow")
        self._painted = False
        self._warm_up = warm_up
        self._base_font_pt = QApplication.font().pointSizeF()
        self._pending_open: list[str] = []  # dropped before the live page could be built
        self.file_drops = FileDropFilter(self.open_paths, self)
        self.setAcceptDrops(True)

        self.browser = ExperimentBrowser(context)
        self.dock = QDockWidget("Experiments", self)
        self.dock.setObjectName("ExperimentsDock")
        self.dock.setWidget(self.browser)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                              | QDockWidget.DockWidgetFeature.DockWidgetClosable
                              | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        # a floating browser is a window of its own: drops on it count as drops on this one
        self.dock.topLevelChanged.connect(self._dock_floated)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("Pages")
        self.tabs.setDocumentMode(True)
        self.hosts: dict[str, PageHost] = {}
        for page in PAGES:
            host = PageHost(page, context)
            self.hosts[page.key] = host
            index = self.tabs.addTab(host, page.title)
            self.tabs.setTabToolTip(index, page.tip)
            host.panelBuilt.connect(self._page_built)
        self.tabs.currentChanged.connect(self._page_shown)
        self.setCentralWidget(self.tabs)

        self._build_status_bar()
        self.actions_ = WindowActions(self)
        self.background = BackgroundRenderer(context, self)
        self.background_status = BackgroundStatus(self.background, self.statusBar())
        view = next(a.menu() for a in self.menuBar().actions() if a.text() == "&View")
        view.addSeparator()
        view.addAction(self.background.toggle)
        self.face_finder = FaceFinderMenu(context, self)
        view.addMenu(self.face_finder)
        self.startup = Startup(context, resolve_source, self)
        self.startup.stage.connect(self._show_stage)
        self.startup.failed.connect(lambda msg: self.show_error("Data could not be loaded", msg))
        context.coreReady.connect(self._core_ready)
        context.statusMessage.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        context.dataSourceChanged.connect(self._data_source_changed)
        context.dataLoaded.connect(self._data_loaded)
        context.deviceChanged.connect(lambda d: self.device_label.setText(f"Device: {d.upper()}"))
        context.experimentSelected.connect(
            lambda name: self.setWindowTitle(f"{name} — FaceViz" if name else "FaceViz"))
        self.browser.trainRequested.connect(self._train_requested)
        self.browser.resumeRequested.connect(self._resume_requested)
        # The training page is light (no torch at import): build it now so it is in the
        # first paint; the others wait for the warm-up (see pages.py).
        self.hosts["training"].build()
        self.restore_settings()

    # -- pages ------------------------------------------------------------------------------
    def page(self, key: str):
        """The panel of page ``key`` (built now if it can be), or None if it is not there."""
        host = self.hosts[key]
        if not host.built and host.can_build():
            host.build()
        return host.panel

    @property
    def training_panel(self):
        return self.page("training")

    def show_page(self, key: str) -> None:
        self.tabs.setCurrentWidget(self.hosts[key])

    def current_page(self) -> str:
        return self.tabs.currentWidget().page.key

    def _page_shown(self, _index: int) -> None:
        host = self.tabs.currentWidget()
        if host is not None and host.can_build():
            host.build()

    # -- files in: File > Open… and drops anywhere on the window -----------------------------
    def open_paths(self, paths) -> None:
        """Photos, a video or a folder, opened on the Live test page (shown). If the page
        cannot be built yet (torch still loading), they open as soon as it is."""
        paths = [str(p) for p in paths if str(p)]
        if not paths:
            return
        panel = self.page("live")
        if panel is not None:
            panel.open_paths(paths)
        elif self.hosts["live"].error:
            self.show_error("The Live test page is not available", self.hosts["live"].error)
            return
        else:
            self._pending_open = paths
            self.statusBar().showMessage("Opening as soon as the Live test page is ready…", 0)
        self.show_page("live")

    def _page_built(self, key: str) -> None:
        if key == "live" and self._pending_open:
            paths, self._pending_open = self._pending_open, []
            self.statusBar().clearMessage()
            self.open_paths(paths)

    def _dock_floated(self, floating: bool) -> None:
        if floating:  # its QWindow appears when it is shown, just after this signal
            QTimer.singleShot(0, lambda: self.file_drops.watch(self.dock))

    def showEvent(self, e) -> None:
        super().showEvent(e)
        self.file_drops.watch(self)  # the QWindow exists from the first show

    def dragEnterEvent(self, e) -> None:  # the filter takes real drags; this serves events
        self.file_drops.eventFilter(self, e)  # sent straight to the widget

    def dragMoveEvent(self, e) -> None:
        self.file_drops.eventFilter(self, e)

    def dropEvent(self, e) -> None:
        self.file_drops.eventFilter(self, e)

    def _core_ready(self) -> None:
        # Build the remaining pages one per event-loop turn, the visible one first.
        order = [self.tabs.currentWidget()] + [h for h in self.hosts.values()
                                               if h is not self.tabs.currentWidget()]
        for i, host in enumerate(order):
            QTimer.singleShot(10 * i, host.build)

    # -- status bar -------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setMaximumHeight(14)
        self.busy.setTextVisible(False)
        self.busy.setToolTip("Loading in the background; the window stays usable")
        self.data_label = QLabel(f"Data: {describe_source(self.context.data_source)}")
        self.data_label.setToolTip("The data set training and analysis use (File > Data source…)")
        self.device_label = QLabel(f"Device: {self.context.device.upper()}")
        self.device_label.setToolTip("Where torch runs: CPU, or CUDA when a GPU is available")
        bar.addPermanentWidget(self.busy)
        bar.addPermanentWidget(self.data_label)
        bar.addPermanentWidget(self.device_label)

    def _show_stage(self, text: str, busy: bool) -> None:
        self.busy.setVisible(busy)
        if text:
            self.statusBar().showMessage(text, 0 if busy else 4000)

    def _data_source_changed(self, source: str) -> None:
        self.data_label.setText(f"Data: {describe_source(source)} (loading…)")
        self.context.settings.setValue(keys.DATA_SOURCE, source)

    def _data_loaded(self, description: str) -> None:
        self.data_label.setText(f"Data: {description}")

    def show_error(self, title: str, message: str) -> None:
        first, _, rest = message.partition("\n")
        box = QMessageBox(QMessageBox.Icon.Warning, title, first, QMessageBox.StandardButton.Ok, self)
        if rest.strip():
            box.setDetailedText(rest.strip())
        box.open()

    # -- training requests from the browser -------------------------------------------------
    def _train_requested(self, name: str) -> None:
        self.show_page("training")
        self.training_panel.start_training(name)

    def _resume_requested(self, path: str) -> None:
        self.show_page("training")
        self.training_panel.resume_run(path)

    # -- first paint, settings, close -------------------------------------------------------
    def event(self, e: QEvent) -> bool:
        result = super().event(e)
        if e.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            self.firstPainted.emit()
            if self._warm_up:
                QTimer.singleShot(0, self.startup.start)
        return result

    def zoom(self, factor: float | None) -> None:
        """factor None resets; otherwise multiplies the current zoom."""
        from faceviz_gui.gui.shell.app import apply_zoom
        current = keys.number(self.context.settings, keys.ZOOM, 1.0)
        new = 1.0 if factor is None else min(2.0, max(0.6, current * factor))
        self.context.settings.setValue(keys.ZOOM, new)
        apply_zoom(QApplication.instance(), self._base_font_pt, new)

    def splitters(self) -> list[QSplitter]:
        return [s for s in self.findChildren(QSplitter) if s.objectName()]

    def restore_settings(self) -> None:
        s = self.context.settings
        geometry = keys.byte_array(s, keys.GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1400, 900)
        state = keys.byte_array(s, keys.WINDOW_STATE)
        if state is None or not self.restoreState(state):
            self.resizeDocks([self.dock], [400], Qt.Orientation.Horizontal)
        keys.restore_splitters(s, self.splitters())
        page = keys.text(s, keys.LAST_PAGE, "training")
        if page in self.hosts:
            self.show_page(page)
        zoom = keys.number(s, keys.ZOOM, 1.0)
        if zoom != 1.0:
            from faceviz_gui.gui.shell.app import apply_zoom
            apply_zoom(QApplication.instance(), self._base_font_pt, zoom)
        self.browser.restore_selection(keys.text(s, keys.LAST_EXPERIMENT),
                                       keys.text(s, keys.LAST_RUN))

    def save_settings(self) -> None:
        s = self.context.settings
        s.setValue(keys.GEOMETRY, self.saveGeometry())
        s.setValue(keys.WINDOW_STATE, self.saveState())
        keys.save_splitters(s, self.splitters())
        s.setValue(keys.LAST_PAGE, self.current_page())
        s.setValue(keys.LAST_EXPERIMENT, self.context.current_experiment)
        s.setValue(keys.LAST_RUN, self.context.current_run)
        s.sync()

    def closeEvent(self, event) -> None:
        self.save_settings()
        # Data jobs poll their stop flag; a half-generated or half-imported set is discarded
        # by the core, and the pools' threads then end quickly at exit.
        for worker in (self.startup.worker, self.actions_.import_worker):
            if worker is not None:
                worker.cancel()
        panel = self.hosts["training"].panel
        if panel is not None and panel.is_running():
            self.statusBar().showMessage("Stopping training and saving a checkpoint…", 0)
            panel.stop_training()
            self.wait_for(panel.jobDone, panel.is_running, timeout_ms=15000)
        for host in self.hosts.values():
            shutdown = getattr(host.panel, "shutdown", None)
            if callable(shutdown):
                try:
                    shutdown()
                except Exception:  # closing must always succeed
                    pass
            elif host.panel is not None:
                host.panel.close()
        super().closeEvent(event)

    @staticmethod
    def wait_for(signal, still_busy, timeout_ms: int) -> None:
        """Spin a local event loop until ``signal`` fires or ``timeout_ms`` passes; the UI
        keeps painting and the worker's queued signals keep arriving meanwhile."""
        if not still_busy():
            return
        loop = QEventLoop()
        signal.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        if still_busy():
            loop.exec()
        signal.disconnect(loop.quit)
