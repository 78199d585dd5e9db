"""The experiment browser: experiments (built-in and the user's) with their runs below.

Selecting an experiment emits ``context.experimentSelected`` and then ``runSelected`` with its
newest run that has weights ("" if none), so every page shows something of it; selecting a
run emits both for that run. Runs appear once the core (torch) has loaded: listing them
imports core.runs.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QStyle,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.training.specs import is_builtin, list_specs, load_spec
from faceviz_gui.gui.browser.experiment_details import ExperimentDetails
from faceviz_gui.gui.browser.run_lineage import add_run_actions, add_runs, find_item, top_of
from faceviz_gui.gui.browser.run_rows import KEY, KIND, run_item
from faceviz_gui.gui.context import AppContext
from faceviz_gui.gui.widgets.run_details import RunDetails, percent


def _order(entry: tuple[str, Path]) -> tuple:
    """Built-ins first, the baseline at the top; then the user's, by name."""
    name, path = entry
    return (not is_builtin(path), name != "experiment0", name.lower())


class ExperimentBrowser(QWidget):
    trainRequested = Signal(str)    # experiment name
    resumeRequested = Signal(str)   # run folder

    def __init__(self, context: AppContext, parent=None):
        super().__init__(parent)
        self.context = context
        self._pending_run = ""
        self._syncing = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._buttons())
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Experiment / run", "Test acc."])
        self.tree.headerItem().setToolTip(1, "Accuracy on the run's test split; hover a run "
                                             "for how it was split")
        self.tree.setColumnCount(2)
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setIconSize(QSize(12, 12))
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self.tree.setToolTip("Experiments and their runs; right-click for actions")
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.ResizeMode.Stretch)
        header.setSectionResizeMode(1, header.ResizeMode.ResizeToContents)
        self.details = QStackedWidget()
        self.exp_details = ExperimentDetails()
        self.run_details = RunDetails()
        self.details.addWidget(self.exp_details)
        self.details.addWidget(self.run_details)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("browserSplitter")
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        layout.addWidget(self.splitter, 1)
        self.setMinimumWidth(270)
        context.runsChanged.connect(self.refresh)
        context.coreReady.connect(self._core_ready)
        context.runSelected.connect(self._follow_run)
        context.runUpdated.connect(self._run_updated)
        context.trainingPaused.connect(lambda _p: self._run_updated(self.context.training_run))
        self.tree.itemChanged.connect(self._ticked)
        self.refresh()

    def sizeHint(self) -> QSize:
        return QSize(400, 700)

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(2)
        sp = QStyle.StandardPixmap
        specs = [("New…", sp.SP_FileDialogNewFolder, self.new_experiment,
                  "Duplicate the selected experiment and edit it (Ctrl+N)"),
                 ("Train", sp.SP_MediaPlay, self._train_clicked,
                  "Train the selected experiment (Ctrl+T)"),
                 ("Resume", sp.SP_MediaSeekForward, self.resume_selected,
                  "Continue the selected stopped run from its checkpoint (Ctrl+R)"),
                 ("Folder", sp.SP_DirOpenIcon, self.open_selected_folder,
                  "Open the selected run's folder"),
                 ("Delete", sp.SP_TrashIcon, self.delete_selected,
                  "Delete the selected run (asks first)")]
        self.buttons: dict[str, QToolButton] = {}
        for text, _icon, slot, tip in specs:
            b = QToolButton()
            b.setText(text)
            # Text only: five of them fit the dock even when a wide page squeezes it.
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            b.setAutoRaise(True)
            row.addWidget(b)
            self.buttons[text] = b
        row.addStretch(1)
        return row

    # -- listing ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Rebuild the tree, keeping the selection; emits nothing unless it had to change."""
        keep = self._current_key()
        self._syncing = True
        try:
            self.tree.clear()
            runs = self._runs_by_experiment()
            bold = QFont(self.font())
            bold.setBold(True)
            for name, path in sorted(list_specs().items(), key=_order):
                item = QTreeWidgetItem([name, ""])
                item.setData(0, KIND, "exp")
                item.setData(0, KEY, name)
                item.setFont(0, bold)
                item.setToolTip(0, f"{name} ({'built in' if is_builtin(path) else 'yours'}): {path}")
                add_runs(item, runs.get(name, []), self._run_item)  # pruned runs under parents
                best = [r.summary().get("accuracy") for r in runs.get(name, [])]
                best = [b for b in best if b is not None]
                if best:
                    item.setText(1, percent(max(best)))
                    item.setToolTip(1, "best test accuracy of its runs")
                self.tree.addTopLevelItem(item)
            self.tree.expandAll()
        finally:
            self._syncing = False
        if keep and self._select_key(*keep, emit=False) and keep[0] == "run":
            from faceviz_gui.core.training.runs import Run
            self.run_details.show_run(Run(keep[1]), self._paused(keep[1]))  # it moved on

    def _runs_by_experiment(self) -> dict[str, list]:
        if not self.context.core_ready:
            return {}
        from faceviz_gui.core.training.runs import list_runs
        out: dict[str, list] = {}
        for run in list_runs(self.context.runs_root):
            out.setdefault(run.status.get("experiment", ""), []).append(run)
        return out

    def _run_item(self, run) -> QTreeWidgetItem:
        path = str(run.path)
        return run_item(run, self._paused(path), path in self.context.plot_runs)

    def _paused(self, path: str) -> bool:
        return self.context.training_paused and path == self.context.training_run

    def _ticked(self, item: QTreeWidgetItem, column: int) -> None:
        """A run's tick box changed: the Training page plots the ticked runs together."""
        if self._syncing or column != 0 or item.data(0, KIND) != "run":
            return
        path, on = item.data(0, KEY), item.checkState(0) == Qt.CheckState.Checked
        if on != (path in self.context.plot_runs):  # not a text or icon change
            others = [p for p in self.context.plot_runs if p != path]
            self.context.set_plot_runs(others + [path] if on else others)

    def _run_updated(self, path: str) -> None:
        """A run moved on (an epoch ended): its row and, if shown, its details follow."""
        item = self._find("run", path)
        if item is None or not Path(path).is_dir():
            return
        from faceviz_gui.core.training.runs import Run
        run = Run(path)
        fresh = self._run_item(run)
        for col in (0, 1):
            item.setText(col, fresh.text(col))
            item.setToolTip(col, fresh.toolTip(col))
        item.setIcon(0, fresh.icon(0))
        if self.selected_run() == path:
            self.run_details.show_run(run, self._paused(path))

    def _core_ready(self) -> None:
        self.refresh()
        item = self.tree.currentItem()
        if item is not None and item.data(0, KIND) == "exp":
            self._show_experiment(item.data(0, KEY), emit_run=not self._pending_run)
        if self._pending_run:
            self._select_key("run", self._pending_run, emit=True)
            self._pending_run = ""

    # -- selection ------------------------------------------------------------------------
    def _current_key(self) -> tuple[str, str] | None:
        item = self.tree.currentItem()
        return (item.data(0, KIND), item.data(0, KEY)) if item is not None else None

    def _find(self, kind: str, key: str) -> QTreeWidgetItem | None:
        return find_item(self.tree, kind, key)       # runs nest: a pruned run under its parent

    def _select_key(self, kind: str, key: str, emit: bool) -> bool:
        item = self._find(kind, key)
        if item is None:
            return False
        self._syncing = not emit
        try:
            self.tree.setCurrentItem(item)
        finally:
            self._syncing = False
        return True

    def select_experiment(self, name: str) -> bool:
        return self._select_key("exp", name, emit=True)

    def select_run(self, path: str) -> bool:
        return self._select_key("run", str(path), emit=True)

    def restore_selection(self, experiment: str, run: str) -> None:
        if run and not self.context.core_ready:
            self._pending_run = run
        if not (run and self.select_run(run)):
            if not self.select_experiment(experiment) and self.tree.topLevelItemCount():
                self.tree.setCurrentItem(self.tree.topLevelItem(0))

    def selected_experiment(self) -> str:
        item = self.tree.currentItem()
        if item is None:
            return ""
        return top_of(item).data(0, KEY)

    def selected_run(self) -> str:
        item = self.tree.currentItem()
        return item.data(0, KEY) if item is not None and item.data(0, KIND) == "run" else ""

    def _current_changed(self, item: QTreeWidgetItem | None, _prev) -> None:
        if item is None or self._syncing:
            return
        if item.data(0, KIND) == "exp":
            self._show_experiment(item.data(0, KEY), emit_run=True)
        else:
            self._show_run(item.data(0, KEY), top_of(item).data(0, KEY))

    def _show_experiment(self, name: str, emit_run: bool) -> None:
        try:
            spec = load_spec(list_specs()[name])
        except (FaceVizError, KeyError) as exc:
            self.context.show_status(f"{name}: {exc}", 8000)
            return
        self.exp_details.show_spec(spec, self.context.core_ready)
        self.details.setCurrentWidget(self.exp_details)
        if name != self.context.current_experiment:
            self.context.experimentSelected.emit(name)
        if emit_run and self.context.core_ready:
            item = self._find("exp", name)
            paths = [item.child(j).data(0, KEY) for j in range(item.childCount())] if item else []
            with_weights = [p for p in paths if (Path(p) / "weights.safetensors").exists()]
            latest = with_weights[-1] if with_weights else ""
            if latest != self.context.current_run:
                self.context.runSelected.emit(latest)

    def _show_run(self, path: str, experiment: str) -> None:
        from faceviz_gui.core.training.runs import Run
        self.run_details.show_run(Run(path), self._paused(path))
        self.details.setCurrentWidget(self.run_details)
        if experiment != self.context.current_experiment:
            self.context.experimentSelected.emit(experiment)
        if path != self.context.current_run:
            self.context.runSelected.emit(path)

    def _follow_run(self, path: str) -> None:
        """Another panel chose a run (e.g. training started one): show it, quietly."""
        if path and path != self.selected_run():
            if self._find("run", path) is None:
                self.refresh()
            if self._select_key("run", path, emit=False):
                from faceviz_gui.core.training.runs import Run
                self.run_details.show_run(Run(path))
                self.details.setCurrentWidget(self.run_details)

    # -- actions ----------------------------------------------------------------------------
    def _double_clicked(self, item: QTreeWidgetItem, _col: int) -> None:
        if item.data(0, KIND) == "run" and self.can_resume(item.data(0, KEY)):
            self.resumeRequested.emit(item.data(0, KEY))

    def _train_clicked(self) -> None:
        name = self.selected_experiment()
        if name:
            self.trainRequested.emit(name)

    def can_resume(self, path: str) -> bool:
        if not path or self.context.training:  # one training job at a time
            return False
        from faceviz_gui.core.training.runs import Run
        run = Run(path)
        return run.state in ("stopped", "failed", "running") and (run.path / "split.json").exists()

    def resume_selected(self) -> None:
        path = self.selected_run() or self.context.current_run
        if self.can_resume(path):
            self.resumeRequested.emit(path)
        elif path:
            self.context.show_status("This run cannot be resumed: it finished, or never "
                                     "started training", 6000)

    def open_selected_folder(self) -> None:
        path = self.selected_run() or self.context.current_run
        if path and Path(path).is_dir():
            QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def delete_selected(self) -> None:
        path = self.selected_run()
        if not path:
            return
        if self.context.training and path == self.context.training_run:
            QMessageBox.information(self, "Delete run", "This run is training: stop it first.")
            return
        answer = QMessageBox.question(
            self, "Delete run", f"Delete the run\n{Path(path).name}\nand all its files "
            "(weights, metrics, caches)? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_run(path)

    def delete_run(self, path: str) -> None:
        """Delete without asking (the caller asked). Selects the run's experiment after."""
        experiment = self.selected_experiment()
        shutil.rmtree(path, ignore_errors=True)
        if self.context.current_run == path:
            self.context.runSelected.emit("")
        self.context.runsChanged.emit()
        self.select_experiment(experiment)
        self.context.show_status(f"Deleted {Path(path).name}", 5000)

    def new_experiment(self) -> None:
        from faceviz_gui.gui.browser.spec_editor import SpecEditorDialog
        name = self.selected_experiment() or "experiment0"
        try:
            base = load_spec(list_specs()[name])
        except (FaceVizError, KeyError) as exc:
            QMessageBox.warning(self, "New experiment", str(exc))
            return
        dialog = SpecEditorDialog(base, self.context, self)
        if dialog.exec() and dialog.saved_path:
            self.refresh()
            self.select_experiment(dialog.saved_path.stem)

    def _context_menu(self, pos) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        self.tree.setCurrentItem(item)
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        menu.addAction("New experiment from this…", self.new_experiment)
        menu.addAction("Train", self._train_clicked)
        if item.data(0, KIND) == "run":
            menu.addSeparator()
            act = menu.addAction("Resume", self.resume_selected)
            act.setEnabled(self.can_resume(item.data(0, KEY)))
            menu.addAction("Open run folder", self.open_selected_folder)
            menu.addAction("Delete run…", self.delete_selected)
            add_run_actions(menu, self, item.data(0, KEY))
        menu.exec(self.tree.viewport().mapToGlobal(pos))
