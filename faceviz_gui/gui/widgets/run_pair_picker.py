"""RunPairPicker: two run combo boxes (A and B) and a swap button."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from faceviz_gui.gui.widgets.split_words import run_split, split_words

RUN_ROLE = Qt.ItemDataRole.UserRole


def run_label(run) -> str:
    """One line for a run picker: experiment, when, test accuracy and how it was split."""
    st = run.status
    when = st.get("created", "")
    try:
        when = dt.datetime.fromisoformat(when).strftime("%b %d %H:%M")
    except ValueError:
        pass
    acc = (run.evaluation() or {}).get("accuracy")
    parts = [st.get("experiment") or run.id.split("-")[0], when or run.id]
    if isinstance(acc, (int, float)):
        parts.append(f"{acc:.0%} ({split_words(run_split(run))})")
    return "  ·  ".join(parts)


class RunPairPicker(QWidget):
    def __init__(self, label_fn, parent=None):
        super().__init__(parent)
        self._label = label_fn                     # run -> one line of text
        self.combo_a, self.combo_b = QComboBox(), QComboBox()
        for combo, tip in ((self.combo_a, "Run A: its test split is the probe set"),
                           (self.combo_b, "Run B")):
            # Narrow when the window is (long labels elide), wide when there is room.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(24)
            combo.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            combo.setMinimumWidth(150)
            combo.setMaximumWidth(360)
            combo.setToolTip(tip)
        swap = QToolButton()
        swap.setText("⇄")
        swap.setToolTip("Swap A and B")
        swap.clicked.connect(self.swap)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        for w in (QLabel("<b>A</b>"), self.combo_a, swap, QLabel("<b>B</b>"), self.combo_b):
            if isinstance(w, QLabel):
                w.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
            lay.addWidget(w)

    def paths(self) -> tuple[str, str]:
        return self.combo_a.currentData(RUN_ROLE) or "", self.combo_b.currentData(RUN_ROLE) or ""

    def fill(self, runs, want_a: str = "", want_b: str = "") -> None:
        """``runs`` oldest first; keeps the current choice, else ``want_*``, else A = the
        newest run and B = the one before it; with two runs or more, never A = B."""
        cur = self.paths()
        for combo, want, fallback in ((self.combo_a, cur[0] or want_a, 0), (self.combo_b, cur[1] or want_b, 1)):
            combo.blockSignals(True)
            combo.clear()
            for r in reversed(runs):
                combo.addItem(self._label(r), str(r.path))
                combo.setItemData(combo.count() - 1, str(r.path), Qt.ItemDataRole.ToolTipRole)
            i = combo.findData(want, RUN_ROLE)
            if i < 0 and runs:
                i = min(len(runs) - 1, fallback)
            combo.setCurrentIndex(i)
            combo.blockSignals(False)
        a, b = self.paths()
        if a and a == b and len(runs) > 1:  # a run against itself is never the default
            self.combo_b.setCurrentIndex(next(i for i in range(self.combo_b.count())
                                              if self.combo_b.itemData(i, RUN_ROLE) != a))

    def set_runs(self, run_a, run_b) -> None:
        """Choose two runs (Run objects), adding them if they are not listed."""
        for combo, run in ((self.combo_a, run_a), (self.combo_b, run_b)):
            i = combo.findData(str(run.path), RUN_ROLE)
            if i < 0:
                combo.addItem(self._label(run), str(run.path))
                i = combo.count() - 1
            combo.setCurrentIndex(i)

    def swap(self) -> None:
        a, b = self.paths()
        if a and b:
            from faceviz_gui.core.training.runs import Run
            self.set_runs(Run(b), Run(a))
