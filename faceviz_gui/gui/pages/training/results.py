"""The Training page's results: test accuracy, accuracy per person, the confusion matrix."""
from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QVBoxLayout

from faceviz_gui.gui.widgets.confusion import ConfusionMatrixView
from faceviz_gui.gui.widgets.run_details import PerPersonTable, percent


class TrainingResults(QGroupBox):
    def __init__(self, parent=None):
        super().__init__("Test results", parent)
        row = QHBoxLayout(self)
        left = QVBoxLayout()
        self.test_acc = QLabel("–")
        self.test_acc.setProperty("role", "metric")
        self.test_acc.setToolTip("Accuracy on the run's held-out test split")
        self.test_note = QLabel("")
        self.test_note.setProperty("role", "subtitle")
        self.people = PerPersonTable()
        # Person, accuracy and count whole even beside a 1000-pixel window's browser.
        self.people.setMinimumWidth(290)
        left.addWidget(self.test_acc)
        left.addWidget(self.test_note)
        left.addWidget(self.people, 1)
        self.confusion = ConfusionMatrixView()
        row.addLayout(left, 2)
        row.addWidget(self.confusion, 3)

    def sizeHint(self) -> QSize:
        return QSize(640, 260).expandedTo(self.minimumSizeHint())

    def show_evaluation(self, ev: dict | None) -> None:
        """eval.json of a run (None: nothing yet)."""
        ev = ev or {}
        acc = ev.get("accuracy")
        self.test_acc.setText(percent(acc) if acc is not None else "–")
        self.test_note.setText(f"{ev.get('n', 0)} test images, {len(ev.get('per_person') or {})} "
                               "people" if acc is not None else "Results appear when a run finishes.")
        self.people.set_data(ev.get("per_person"))
        self.confusion.set_data(ev.get("confusion"), ev.get("classes"))
