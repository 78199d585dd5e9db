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

from faceviz_gui.gui.widgets.split_words import (
    accuracy_note,
    run_split,
    short_note,
    training_people,
)

STATE_COLORS = {"done": "#1a7f37", "running": "#2f6fdf", "paused": "#7c3aed", "stopped": "#b7791f",
                "failed": "#b42318", "created": "#6b7280", "unknown": "#6b7280",
                "interrupted": "#b7791f", "damaged": "#b42318"}


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
        super().__init__(0, 4, parent)
        self.setHorizontalHeaderLabels(["Person", "Acc.", "Tested", "Trained"])
        self.horizontalHeaderItem(1).setToolTip("Accuracy on the person's test images")
        self.horizontalHeaderItem(2).setToolTip("Tested: how many of the person's images are "
                                                "in the test split")
        self.horizontalHeaderItem(3).setToolTip(
            "Trained: whether the person also had images in the run's training split: with a split by "
            "image everyone does, and their accuracy says little about new faces")
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setSortingEnabled(True)
        h = self.horizontalHeader()
        # Fixed widths from the font: ResizeToContents leaves room for a sort arrow on every
        # column, and the person column lost its names beside a 1000-pixel window's browser.
        fm = self.fontMetrics()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, text in ((1, "100.0%"), (2, "Tested"), (3, "Trained")):
            h.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            h.resizeSection(col, fm.horizontalAdvance(text) + 22)
        self.setColumnHidden(3, True)
        self.setToolTip("Test accuracy per person: which faces the network gets wrong")

    def set_data(self, per_person: dict | None, trained: set[str] | None = None) -> None:
        """``trained``: the people of the training split (None: unknown, column hidden)."""
        self.setSortingEnabled(False)
        rows = sorted((per_person or {}).items())
        self.setRowCount(len(rows))
        self.setColumnHidden(3, trained is None)
        for i, (person, info) in enumerate(rows):
            acc, n = info.get("accuracy", 0.0), info.get("n", 0)
            cells = [QTableWidgetItem(person), _NumberItem(percent(acc), acc), _NumberItem(str(n), n),
                     QTableWidgetItem("" if trained is None else "yes" if person in trained
                                      else "no")]
            cells[1].setBackground(QBrush(accuracy_color(acc)))
            for j, c in enumerate(cells):
                if j in (1, 2):
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
        self.split_label = QLabel("")
        self.split_label.setWordWrap(True)
        self.split_label.setProperty("role", "subtitle")
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.fields = {k: QLabel() for k in ("Created", "State", "Epochs", "Device", "Data",
                                             "Parameters", "Files", "Latency", "Pruned from")}
        for k, label in self.fields.items():
            label.setWordWrap(True)
            form.addRow(k + ":", label)
        self.people = PerPersonTable()
        layout.addWidget(self.title)
        layout.addWidget(self.accuracy)
        layout.addWidget(self.split_label)
        layout.addLayout(form)
        layout.addWidget(QLabel("Per-person test accuracy:"))
        layout.addWidget(self.people, 1)

    def show_run(self, run, paused: bool = False) -> None:
        """``run`` is a core.runs.Run; ``paused``: it is the training job, held in memory
        (its status.json still says running)."""
        st = run.status
        ev = run.evaluation() or {}
        self.title.setText(run.id)
        # shown_state, not the saved one: a run whose trainer was killed says "interrupted".
        state = run.shown_state
        if paused and state == "running":
            state = "paused"
        color = STATE_COLORS.get(state, "#6b7280")
        note = f" — {st['message']}" if st.get("message") and state == "failed" else ""
        self.fields["State"].setText(f"<b style='color:{color}'>{state}</b>{note}")
        self.fields["Created"].setText(pretty_date(st.get("created", "")))
        self.fields["Epochs"].setText(f"{st.get('epoch', 0)} of {st.get('epochs', '?')}")
        self.fields["Device"].setText(str(st.get("device", "?")))
        data = st.get("data") or st.get("source") or "?"
        self.fields["Data"].setText(Path(data).name if "/" in str(data) else str(data))
        self.fields["Data"].setToolTip(str(data))
        from faceviz_gui.core.prune.sizes import size_texts  # no torch: spec arithmetic, stat()
        for key, text in size_texts(run).items():
            self.fields[key].setText(text)
        acc = ev.get("accuracy")
        waiting = {"running": "training…", "paused": "paused (held in memory)",
                   "created": "starting…", "stopped": "not tested yet", "failed": "failed",
                   "interrupted": "interrupted: its training process is gone (Resume continues it)"}
        trained = training_people(run) if acc is not None else None
        tested = sorted(ev.get("per_person") or {})
        self.accuracy.setText(f"{percent(acc)} test accuracy" if acc is not None
                              else waiting.get(state, "not tested yet"))
        self.split_label.setText(short_note(run_split(run), tested, trained) if acc is not None
                                 else "")
        self.split_label.setToolTip(accuracy_note(run_split(run), tested, trained))
        self.split_label.setVisible(acc is not None)
        self.people.set_data(ev.get("per_person"), trained)
