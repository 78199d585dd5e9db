"""A run at a glance: when, how far, how well, and how well per person.

``PerPersonTable`` is shared with the training panel's results.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

STATE_COLORS = {"done": "#1a7f37", "running": "#2f6fdf", "stopped": "#b7791f",
                "failed": "#b42318", "created": "#6b7280", "unknown": "#6b7280"}


def accuracy_color(acc: float) -> QColor:
    """Red (<= 50%) through amber to green (100%), pale enough to read black text on."""
    t = min(1.0, max(0.0, (acc - 0.5) / 0.5))
    red, green = QColor("#f6c9c4"), QColor("#c6ebd0")
    mid = QColor("#fbe7b5")
    a, b, u = (red, mid, t * 2) if t < 0.5 else (mid, green, t * 2 - 1)
    return QColor(int(a.red() + (b.red() - a.red()) * u), int(a.green() + (b.green() - a.green()) * u),
                  int(a.blue() + (b.blue() - a.blue()) * u))


def pretty_date(iso: str) -> str:
    try:
        return dt.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return iso or "?"


def short_date(iso: str) -> str:
    try:
        return dt.datetime.fromisoformat(iso).strftime("%b %d %H:%M")
    except (TypeError, ValueError):
        return iso or "?"


def percent(x) -> str:
    return f"{100 * x:.1f}%" if isinstance(x, (int, float)) else "–"


class PerPersonTable(QTableWidget):
    """Person, accuracy (tinted by how good), number of test images; the worst first."""

    def __init__(self, parent=None):
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["Person", "Accuracy", "Images"])
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setSortingEnabled(True)
        h = self.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.setToolTip("Test accuracy per person: which faces the network gets wrong")

    def set_data(self, per_person: dict | None) -> None:
        self.setSortingEnabled(False)
        rows = sorted((per_person or {}).items())
        self.setRowCount(len(rows))
        for i, (person, info) in enumerate(rows):
            acc, n = info.get("accuracy", 0.0), info.get("n", 0)
            cells = [QTableWidgetItem(person), _NumberItem(percent(acc), acc), _NumberItem(str(n), n)]
            cells[1].setBackground(QBrush(accuracy_color(acc)))
            for j, c in enumerate(cells):
                if j:
                    c.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(i, j, c)
        self.setSortingEnabled(True)
        self.sortItems(1, Qt.SortOrder.AscendingOrder)


class _NumberItem(QTableWidgetItem):
    def __init__(self, text: str, value: float):
        super().__init__(text)
        self.value = value

    def __lt__(self, other) -> bool:
        return self.value < getattr(other, "value", 0)


class RunDetails(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.accuracy = QLabel("–")
        self.accuracy.setProperty("role", "metric")
        self.accuracy.setWordWrap(True)
        self.accuracy.setToolTip("Accuracy on the run's own test split (eval.json)")
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.fields = {k: QLabel() for k in ("Created", "State", "Epochs", "Device", "Data")}
        for k, label in self.fields.items():
            label.setWordWrap(True)
            form.addRow(k + ":", label)
        self.people = PerPersonTable()
        layout.addWidget(self.title)
        layout.addWidget(self.accuracy)
        layout.addLayout(form)
        layout.addWidget(QLabel("Per-person test accuracy:"))
        layout.addWidget(self.people, 1)

    def show_run(self, run) -> None:
        """``run`` is a core.runs.Run."""
        st = run.status
        ev = run.evaluation() or {}
        self.title.setText(run.id)
        state = st.get("state", "unknown")
        color = STATE_COLORS.get(state, "#6b7280")
        note = f" — {st['message']}" if st.get("message") and state == "failed" else ""
        self.fields["State"].setText(f"<b style='color:{color}'>{state}</b>{note}")
        self.fields["Created"].setText(pretty_date(st.get("created", "")))
        self.fields["Epochs"].setText(f"{st.get('epoch', 0)} of {st.get('epochs', '?')}")
        self.fields["Device"].setText(str(st.get("device", "?")))
        data = st.get("data") or st.get("source") or "?"
        self.fields["Data"].setText(Path(data).name if "/" in str(data) else str(data))
        self.fields["Data"].setToolTip(str(data))
        acc = ev.get("accuracy")
        waiting = {"running": "training…", "created": "starting…",
                   "stopped": "not tested yet", "failed": "failed"}
        self.accuracy.setText(f"{percent(acc)} test accuracy" if acc is not None
                              else waiting.get(state, "not tested yet"))
        self.people.set_data(ev.get("per_person"))
