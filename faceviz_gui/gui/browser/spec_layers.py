"""The spec editor's layer table: one row per hidden layer, a widget per field.

Fields that mean nothing for a row's type are disabled (a pooling layer has no units). The
decision layer is not listed: nets.build_model appends it for the task's classes.
"""
from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QDoubleSpinBox, QHeaderView, QSpinBox, QTableWidget, QWidget

from faceviz_gui.core.training.spec_layers import ACTIVATIONS, LAYER_TYPES
from faceviz_gui.core.training.specs import LayerSpec

COLUMNS = ("type", "size", "kernel", "padding", "pool", "rate", "activation")
HEADERS = ("Type", "Filters / units", "Kernel", "Padding", "Pool", "Dropout", "Activation")
USED = {"conv2d": {"size", "kernel", "padding", "activation"}, "max_pooling2d": {"pool"},
        "flatten": set(), "dense": {"size", "activation"}, "dropout": {"rate"},
        "global_average_pooling2d": set()}


def layer_names(layers: list[LayerSpec]) -> list[str]:
    """Keras-style names as nets.build_model gives them, decision layer included."""
    counts: Counter[str] = Counter()
    names = []
    for layer in list(layers) + [LayerSpec(type="dense")]:
        counts[layer.type] += 1
        names.append(f"{layer.type}_{counts[layer.type]}")
    return names


class LayerTable(QTableWidget):
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(HEADERS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # the type column as wide as its widest choice: "max_pooling2d" whole in a narrow dialog
        widest = max(self.fontMetrics().horizontalAdvance(t) for t in LAYER_TYPES)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, widest + 46)  # + the combo box's frame and arrow
        self.verticalHeader().setDefaultSectionSize(30)
        self.setMinimumHeight(30 * 8 + 34)  # the blog's deepest net (ex1-2) nearly fits
        self.setToolTip("Hidden layers in order; the decision layer (one unit per class) is "
                        "added after them")

    def set_layers(self, layers: list[LayerSpec]) -> None:
        self.setRowCount(0)
        for layer in layers:
            self.insert_layer(self.rowCount(), layer)

    def insert_layer(self, row: int, layer: LayerSpec) -> None:
        self.insertRow(row)
        kind = QComboBox()
        kind.addItems(LAYER_TYPES)
        kind.setCurrentText(layer.type)
        size = _spin(0, 4096, layer.filters if layer.type == "conv2d" else layer.units)
        kernel = _spin(1, 15, layer.kernel)
        padding = QComboBox()
        padding.addItems(["valid", "same"])
        padding.setCurrentText(layer.padding)
        pool = _spin(1, 8, layer.pool)
        rate = QDoubleSpinBox()
        rate.setRange(0.0, 0.99)
        rate.setSingleStep(0.05)
        rate.setValue(layer.rate)
        act = QComboBox()
        act.addItems(ACTIVATIONS)
        act.setCurrentText(layer.activation)
        widgets = (kind, size, kernel, padding, pool, rate, act)
        for col, w in enumerate(widgets):
            self.setCellWidget(row, col, w)
            signal = getattr(w, "currentTextChanged", None) or w.valueChanged
            signal.connect(self._edited)
        self._enable_row(row)

    def cell(self, row: int, column: str) -> QWidget:
        return self.cellWidget(row, COLUMNS.index(column))

    def _enable_row(self, row: int) -> None:
        used = USED[self.cell(row, "type").currentText()]
        for col in COLUMNS[1:]:
            self.cell(row, col).setEnabled(col in used)

    def _edited(self, *_):
        for row in range(self.rowCount()):
            self._enable_row(row)
        self.changed.emit()

    def layers(self) -> list[dict]:
        """Rows as spec dicts, with only the keys the type uses (as specs.py saves them)."""
        out = []
        for row in range(self.rowCount()):
            kind = self.cell(row, "type").currentText()
            d: dict = {"type": kind}
            if kind == "conv2d":
                d.update(filters=self.cell(row, "size").value(), kernel=self.cell(row, "kernel").value(),
                         padding=self.cell(row, "padding").currentText(),
                         activation=self.cell(row, "activation").currentText())
            elif kind == "dense":
                d.update(units=self.cell(row, "size").value(),
                         activation=self.cell(row, "activation").currentText())
            elif kind == "max_pooling2d":
                d["pool"] = self.cell(row, "pool").value()
            elif kind == "dropout":
                d["rate"] = round(self.cell(row, "rate").value(), 4)
            out.append(d)
        return out

    def add_after_selected(self) -> None:
        row = self.currentRow()
        at = self.rowCount() if row < 0 else row + 1
        self.insert_layer(at, LayerSpec(type="dense", units=64))
        self.selectRow(at)
        self.changed.emit()

    def remove_selected(self) -> None:
        row = self.currentRow()
        if row >= 0:
            self.removeRow(row)
            self.changed.emit()

    def move_selected(self, step: int) -> None:
        row = self.currentRow()
        to = row + step
        if row < 0 or not 0 <= to < self.rowCount():
            return
        rows = self.layers()
        rows.insert(to, rows.pop(row))
        self.set_layers([LayerSpec(**r) for r in rows])
        self.selectRow(to)
        self.changed.emit()

    def mark(self, row: int | None, column: str | None) -> None:
        """Tint the widget at fault red (None clears every mark).

        Text and background only: a stylesheet border turns a spin box's arrows into the
        style sheet's plain (and here clipped) ones."""
        for r in range(self.rowCount()):
            for c in COLUMNS:
                self.cell(r, c).setStyleSheet("")
        if row is not None and 0 <= row < self.rowCount():
            cols = [column] if column in COLUMNS else list(COLUMNS)
            for c in cols:
                self.cell(row, c).setStyleSheet("color: #b42318; background-color: #fde4e4;")


def _spin(lo: int, hi: int, value: int) -> QSpinBox:
    s = QSpinBox()
    s.setRange(lo, hi)
    s.setValue(value)
    return s
