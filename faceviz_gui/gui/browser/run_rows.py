"""One run's row in the experiment browser: state dot, date, progress, test accuracy, and a
tick box that plots it with other ticked runs on the Training page (TensorBoard-style).

A paused run's status.json still says "running" (the job is held in memory), so the row asks
the caller whether it is the paused training job rather than trusting the file.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QTreeWidgetItem

from faceviz_gui.gui.widgets.run_details import STATE_COLORS, percent, short_date
from faceviz_gui.gui.widgets.split_words import run_split, split_words

KIND, KEY = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1


def state_icon(state: str) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QBrush(QColor(STATE_COLORS.get(state, "#6b7280"))))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(1, 1, 10, 10)
    p.end()
    return QIcon(pix)


def run_item(run, paused: bool = False, ticked: bool = False) -> QTreeWidgetItem:
    s = run.summary()
    state = "paused" if paused and s["state"] == "running" else s["state"]
    when = short_date(s["created"])
    text = (f"{when} · {s['epochs']} epochs" if state == "done"
            else f"{when} · {state} {s['epoch']}/{s['epochs']}")
    item = QTreeWidgetItem([text, percent(s["accuracy"]) if s["accuracy"] is not None else ""])
    item.setData(0, KIND, "run")
    item.setData(0, KEY, str(run.path))
    item.setIcon(0, state_icon(state))
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(0, Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
    item.setToolTip(0, f"{run.id}\n{state}, epoch {s['epoch']} of {s['epochs']}\n"
                       "Tick runs to plot their training curves together (Training page)")
    if s["accuracy"] is not None:
        item.setToolTip(1, f"test accuracy, {split_words(run_split(run))}")
    item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item
