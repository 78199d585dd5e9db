"""The Training page's results: test accuracy, accuracy per person, the confusion matrix."""
from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QVBoxLayout

from faceviz_gui.gui.widgets.confusion import ConfusionMatrixView
from faceviz_gui.gui.widgets.run_details import PerPersonTable, percent
from faceviz_gui.gui.widgets.split_words import accuracy_note, run_split, training_people


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
        self.test_note.setWordWrap(True)
        self.split_note = ""
        self.people = PerPersonTable()
        # Person, accuracy and count whole even beside a 1000-pixel window's browser.
        self.people.setMinimumWidth(290)
        top = QHBoxLayout()
        top.addWidget(self.test_acc)
        top.addWidget(self.test_note, 1)
        left.addLayout(top)
        left.addWidget(self.people, 1)
        self.confusion = ConfusionMatrixView()
        # Smaller floors than the widgets' own: in a 700-pixel window the curves above need the
        # height more (the table scrolls; the matrix's cells shrink, numbers stay).
        self.confusion.setMinimumSize(200, 150)
        self.people.setMinimumHeight(self.fontMetrics().height() * 5)
        row.addLayout(left, 3)
        row.addWidget(self.confusion, 2)

    def sizeHint(self) -> QSize:
        return QSize(640, 260).expandedTo(self.minimumSizeHint())

    def show_evaluation(self, ev: dict | None, run=None) -> None:
        """eval.json of a run (None: nothing yet); ``run`` (core.runs.Run) tells its split."""
        ev = ev or {}
        acc = ev.get("accuracy")
        per_person = ev.get("per_person") or {}
        trained = training_people(run) if run is not None and acc is not None else None
        self.split_note = accuracy_note(run_split(run), sorted(per_person), trained) \
            if run is not None and acc is not None else ""
        self.test_acc.setText(percent(acc) if acc is not None else "–")
        counts = f"{ev.get('n', 0)} test images, {len(per_person)} people"
        self.test_note.setText(f"{counts}. {self.split_note}." if self.split_note else counts
                               if acc is not None else "Results appear when a run finishes.")
        self.test_note.setToolTip(self.split_note)
        self.people.set_data(ev.get("per_person"), trained)
        self.confusion.set_data(ev.get("confusion"), ev.get("classes"))
