"""Several runs' training curves on one plot, TensorBoard-style: which runs, smoothing, log axis.

Which runs: none, this experiment's earlier runs, every run of the same task (so ex1-1's page
shows experiment0's runs beside its own), or the runs ticked in the experiment browser (any
experiments). Each overlaid run gets its own colour and a legend entry above the plots (a
legend inside a plot covers the curves at 1000x700). Smoothing is TensorBoard's: an
exponential moving average, debiased so the first points are not pulled towards zero.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSlider, QWidget

# Distinct from the shown run's blue and orange, readable on white.
PALETTE = ("#7c3aed", "#0f9d8a", "#d6336c", "#6b8e23", "#8d6e63", "#1e88e5", "#c2185b",
           "#546e7a")
MODES = (("none", "None", "Only the shown run"),
         ("experiment", "This experiment", "The selected experiment's other runs"),
         ("task", "Same task", "Every run of any experiment with the same task "
                                           "(e.g. experiment0's runs beside ex1-1's)"),
         ("ticked", "Ticked runs", "Tick runs in the experiment browser to "
                                                  "plot them together, from any experiment"))
MAX_RUNS = len(PALETTE)


def smooth(values: list[float], weight: float) -> list[float]:
    """TensorBoard's smoothing: a debiased exponential moving average (weight 0: raw)."""
    if weight <= 0 or not values:
        return list(values)
    out, last, norm = [], 0.0, 0.0
    for v in values:
        last = last * weight + (1 - weight) * v
        norm = norm * weight + (1 - weight)
        out.append(last / norm)
    return out


def pick_runs(mode: str, runs: list, spec, shown: str, ticked: list[str]) -> list:
    """The runs to overlay (core.runs.Run, oldest first), never the shown one, at most
    MAX_RUNS (the newest)."""
    if mode == "ticked":
        wanted = set(ticked)
        chosen = [r for r in runs if str(r.path) in wanted]
    elif mode == "experiment" and spec is not None:
        chosen = [r for r in runs if r.status.get("experiment") == spec.name]
    elif mode == "task" and spec is not None:
        chosen = [r for r in runs if _task(r) == spec.task]
    else:
        chosen = []
    chosen = [r for r in chosen if str(r.path) != shown and r.metrics()]
    return chosen[-MAX_RUNS:]


def short_label(run) -> str:
    """A legend entry: the experiment and the time it started ("experiment0 22:31"); the
    whole run id is in the Training page's status line and the browser."""
    st = run.status
    when = str(st.get("created", ""))[11:16]
    return f"{st.get('experiment') or run.id} {when}".strip()


def _task(run) -> str:
    try:
        return run.spec.task
    except Exception:  # an unreadable spec.toml: not this task's
        return ""


class OverlayBar(QWidget):
    """The overlay choice, the smoothing slider and the log-axis switch, in one row."""

    changed = Signal()

    def __init__(self, mode: str = "experiment", parent=None):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.mode_box = QComboBox()
        for key, text, tip in MODES:
            self.mode_box.addItem(text, key)
            self.mode_box.setItemData(self.mode_box.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.mode_box.setToolTip("Other runs drawn on the same plots, each in its own colour")
        self.set_mode(mode)
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 95)
        self.smoothing.setFixedWidth(60)
        self.smoothing.setToolTip("Smoothing: an exponential moving average, as in TensorBoard "
                                  "(0 = raw values)")
        self.smoothing_value = QLabel("0")
        self.smoothing_value.setMinimumWidth(self.fontMetrics().horizontalAdvance("0.00"))
        self.log_loss = QCheckBox("Log")
        self.log_loss.setToolTip("Log axis for the loss: small late losses stay apart")
        row.addWidget(QLabel("Overlay"))
        row.addWidget(self.mode_box)
        row.addWidget(QLabel("Smooth"))
        row.addWidget(self.smoothing)
        row.addWidget(self.smoothing_value)
        row.addWidget(self.log_loss)
        self.mode_box.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.smoothing.valueChanged.connect(self._smoothing_moved)
        self.log_loss.toggled.connect(lambda _on: self.changed.emit())

    def mode(self) -> str:
        return self.mode_box.currentData() or "none"

    def set_mode(self, mode: str) -> None:
        i = self.mode_box.findData(mode)
        self.mode_box.setCurrentIndex(i if i >= 0 else 1)

    def weight(self) -> float:
        return self.smoothing.value() / 100

    def _smoothing_moved(self, value: int) -> None:
        self.smoothing_value.setText(f"{value / 100:.2f}" if value else "0")
        self.changed.emit()


def legend_html(entries: list[tuple[str, str, str]]) -> str:
    """One line of legend: (colour, mark, label) entries; marks are "line", "dot", "square"."""
    glyph = {"line": "━", "dot": "●", "square": "■"}
    return "&nbsp;&nbsp; ".join(f"<span style='color:{c}'>{glyph.get(m, m)}</span>&nbsp;"
                                f"{html.escape(label)}"
                                for c, m, label in entries)
