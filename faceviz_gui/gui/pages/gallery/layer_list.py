"""LayerList: a run's layers that have HappyMaps, with type, size and dead-filter count."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem

from faceviz_gui.gui.widgets.layer_names import MapLayer

COL_NAME, COL_UNITS, COL_DEAD = range(3)


class LayerList(QTreeWidget):
    layerChosen = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels(["Layer", "Size", "Dead"])
        self.headerItem().setToolTip(COL_DEAD, "Dead: units whose HappyMap shows no response "
                                               "(never fires, no gradient, flat or saturated "
                                               "map). Not Compare's \"silent\": constant on "
                                               "the test photos")
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        h = self.header()
        h.setStretchLastSection(False)
        h.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        for c in (COL_UNITS, COL_DEAD):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.setMinimumWidth(210)
        self.currentItemChanged.connect(self._changed)
        self._layers: list[MapLayer] = []

    def set_layers(self, layers: list[MapLayer]) -> None:
        self.blockSignals(True)
        self.clear()
        self._layers = list(layers)
        for ml in layers:
            # The name says the type (conv2d_1, dense_2); the decision layer is marked "output".
            # "32 filters" says conv, "64 units" dense, "2 outputs" the decision layer.
            it = QTreeWidgetItem([ml.name, ml.size_text(), "–"])
            it.setData(COL_NAME, Qt.ItemDataRole.UserRole, ml.name)
            it.setToolTip(COL_NAME, f"{ml.name}: {ml.describe()}, activation {ml.activation}"
                          + (" (decision layer: maps maximise the logit)" if ml.decision else ""))
            it.setToolTip(COL_DEAD, "Dead filters: known once the layer's maps are rendered")
            for c in (COL_UNITS, COL_DEAD):
                it.setTextAlignment(c, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if ml.decision:
                f = QFont(self.font())
                f.setItalic(True)
                it.setFont(COL_NAME, f)
            self.addTopLevelItem(it)
        self.blockSignals(False)

    def layer_names(self) -> list[str]:
        return [ml.name for ml in self._layers]

    def current_layer(self) -> str:
        it = self.currentItem()
        return it.data(COL_NAME, Qt.ItemDataRole.UserRole) if it else ""

    def select_layer(self, name: str) -> bool:
        for i in range(self.topLevelItemCount()):
            it = self.topLevelItem(i)
            if it.data(COL_NAME, Qt.ItemDataRole.UserRole) == name:
                self.setCurrentItem(it)
                return True
        return False

    def step(self, delta: int) -> None:
        n = self.topLevelItemCount()
        if n:
            row = self.indexOfTopLevelItem(self.currentItem()) if self.currentItem() else -1
            self.setCurrentItem(self.topLevelItem(max(0, min(n - 1, row + delta))))

    def set_dead(self, name: str, dead: int, total: int, reasons: str = "") -> None:
        for i in range(self.topLevelItemCount()):
            it = self.topLevelItem(i)
            if it.data(COL_NAME, Qt.ItemDataRole.UserRole) == name:
                it.setText(COL_DEAD, str(dead))
                it.setForeground(COL_DEAD, QBrush(QColor("#b42318" if dead else "#1a7f37")))
                it.setToolTip(COL_DEAD, f"{dead} of {total} dead, judged by their maps"
                              + (f": {reasons}" if reasons else ""))

    def reset_dead(self) -> None:
        for i in range(self.topLevelItemCount()):
            it = self.topLevelItem(i)
            it.setText(COL_DEAD, "–")
            it.setForeground(COL_DEAD, self.palette().text())
            it.setToolTip(COL_DEAD, "Dead filters: known once the layer's maps are rendered")

    def dead_text(self, name: str) -> str:
        for i in range(self.topLevelItemCount()):
            it = self.topLevelItem(i)
            if it.data(COL_NAME, Qt.ItemDataRole.UserRole) == name:
                return it.text(COL_DEAD)
        return ""

    def _changed(self, cur, _prev) -> None:
        if cur is not None:
            self.layerChosen.emit(cur.data(COL_NAME, Qt.ItemDataRole.UserRole))
