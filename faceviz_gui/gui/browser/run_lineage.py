"""Runs in the browser's tree by lineage, and the run actions that make new runs from one.

A pruned run (status ``parent``) is listed under the run it was pruned from, indented one
level more; runs without a parent, and those whose parent is gone, sit under their
experiment as before. Prune… and Export model… open their dialogs on a run.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu, QTreeWidget, QTreeWidgetItem

KIND_ROLE, KEY_ROLE = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1  # = experiments'


def add_runs(exp_item: QTreeWidgetItem, runs: list, make_item: Callable) -> None:
    """Add ``runs`` (oldest first) below ``exp_item``, each pruned run below its parent run."""
    items = {run.id: make_item(run) for run in runs}
    for run in runs:
        parent = items.get(run.status.get("parent") or "")
        (parent if parent is not None else exp_item).addChild(items[run.id])
        pruning = run.status.get("pruning") or {}
        if run.status.get("parent") and pruning.get("params_before"):
            share = pruning["params_after"] / pruning["params_before"]
            item = items[run.id]
            if run.status.get("state") == "done":   # the epochs matter less than the size
                item.setText(0, f"{item.text(0).split(' · ')[0]} · pruned to {share:.0%}")
            item.setToolTip(0, f"{item.toolTip(0)}\npruned from {run.status['parent']} by "
                               f"{pruning.get('method', '?')}")


def walk(tree: QTreeWidget) -> Iterator[QTreeWidgetItem]:
    """Every item of the tree, depth first."""
    stack = [tree.topLevelItem(i) for i in reversed(range(tree.topLevelItemCount()))]
    while stack:
        item = stack.pop()
        yield item
        stack.extend(item.child(j) for j in reversed(range(item.childCount())))


def find_item(tree: QTreeWidget, kind: str, key: str) -> QTreeWidgetItem | None:
    for item in walk(tree):
        if item.data(0, KIND_ROLE) == kind and item.data(0, KEY_ROLE) == key:
            return item
    return None


def top_of(item: QTreeWidgetItem) -> QTreeWidgetItem:
    """The experiment item a run item (at any depth) belongs to."""
    while item.parent() is not None:
        item = item.parent()
    return item


def add_run_actions(menu: QMenu, browser, path: str) -> None:
    """Prune… and Export model… for the run at ``path`` (both need its weights)."""
    from pathlib import Path
    has_weights = (Path(path) / "weights.safetensors").exists()
    menu.addSeparator()
    act = menu.addAction("Prune…", lambda: open_prune(browser, path))
    act.setToolTip("Remove dead, redundant or weak units; fine-tune; compare with this run")
    act.setEnabled(has_weights)
    act = menu.addAction("Export model…", lambda: open_export(browser, path))
    act.setToolTip("Write this network as ONNX or TorchScript, checked against PyTorch")
    act.setEnabled(has_weights)


def open_prune(browser, path: str):
    from faceviz_gui.gui.browser.prune_dialog import PruneDialog
    dialog = PruneDialog(path, browser.context, browser)
    dialog.pruned.connect(browser.select_run)
    dialog.open()
    dialog.preview()
    return dialog


def open_export(browser, path: str):
    from faceviz_gui.gui.browser.export_model_dialog import ExportModelDialog
    dialog = ExportModelDialog(path, browser.context, browser)
    dialog.open()
    return dialog
