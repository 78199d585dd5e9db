"""The embedding as an interactive scatter: training images as faint dots, the folder's as
rings (filled when right), coloured by class or person; hovering a point shows its image,
clicking it opens the image with its attention."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from faceviz_gui.gui.widgets.image_canvas import ImageCanvas
from faceviz_gui.gui.widgets.image_utils import to_qimage

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


class EmbeddingView(QWidget):
    hovered = Signal(int)            # index of the folder image under the mouse
    clicked = Signal(int)            # index of the folder image clicked

    def __init__(self, parent=None):
        super().__init__(parent)
        self.diag = None
        self.emb = None                  # the embedding shown: the diagnosis's, or another layer's
        self.hover_index = -1
        self.layer = QComboBox()
        self.layer.setToolTip("The layer whose activations are embedded (PCA of the training images)")
        self.layer.currentTextChanged.connect(self._layer_changed)
        self.colour_by = QComboBox()
        self.colour_by.addItems(["class", "person", "source"])
        self.colour_by.setToolTip("Colour the points by their class, their person, or where they "
                                  "come from (training images or this folder)")
        self.colour_by.currentTextChanged.connect(lambda _: self._draw())
        self.title = QLabel("")
        self.title.setWordWrap(True)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumSize(180, 200)
        self.plot.hideButtons()
        self.scatter = pg.ScatterPlotItem()
        self.train_scatter = pg.ScatterPlotItem()
        self.plot.addItem(self.train_scatter)
        self.plot.addItem(self.scatter)
        self.preview = ImageCanvas()
        self.preview.set_placeholder("hover a point")
        self.preview.setFixedWidth(120)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.caption.setFixedWidth(120)
        self.plot.scene().sigMouseMoved.connect(self._moved)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        side = QVBoxLayout()
        side.addWidget(self.preview)
        side.addWidget(self.caption)
        side.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.plot, 1)
        row.addLayout(side)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.layer)
        head.addWidget(QLabel("Colour by"))
        head.addWidget(self.colour_by)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(head)
        lay.addLayout(row, 1)

    def set_diagnosis(self, diag) -> None:
        self.diag = diag
        self.emb = diag.embedding if diag is not None else None
        self.layer.blockSignals(True)
        self.layer.clear()
        if diag is not None and diag.embedding is not None:
            self.layer.addItems(list(diag.features) or [diag.embedding.layer])
            self.layer.setCurrentText(diag.embedding.layer)
        self.layer.blockSignals(False)
        self._draw()

    def _layer_changed(self, layer: str) -> None:
        d = self.diag
        if d is None or d.embedding is None or not layer:
            return
        if layer == d.embedding.layer or layer not in d.features:
            self.emb = d.embedding
        else:   # PCA of a few hundred rows: milliseconds, fine on the UI thread
            from faceviz_gui.core.diagnose.embedding import pca_embedding
            t, f = d.features[layer]
            self.emb = pca_embedding(layer, t, d.train.labels, f, d.folder.labels)
        self.hover_index = -1
        self._draw()

    def _keys(self, d) -> tuple[list[int], list[int]]:
        by = self.colour_by.currentText()
        if by == "person":
            people = sorted(set(d.folder.people) | set(d.train.people))
            return [people.index(p) for p in d.train.people], [people.index(p) for p in d.folder.people]
        if by == "source":
            return [0] * len(d.train), [1] * d.n
        return d.train.labels.tolist(), d.folder.labels.tolist()

    def _draw(self) -> None:
        d = self.diag
        self.scatter.clear()
        self.train_scatter.clear()
        if d is None or self.emb is None:
            self.title.setText("")
            return
        e = self.emb
        self.title.setText(f"{e.method.upper()}: {e.own_cluster:.0%} of these images lie nearest "
                           f"their class's training centre ({e.own_cluster_train:.0%} of training)")
        tk, fk = self._keys(d)
        self.train_scatter.setData(
            pos=e.train_points, size=5, pen=None,
            brush=[pg.mkBrush(pg.mkColor(COLOURS[k % 8]).lighter(160)) for k in tk])
        self.scatter.setData(
            pos=e.points, size=10, data=np.arange(d.n),
            pen=[pg.mkPen(COLOURS[k % 8], width=2) for k in fk],
            brush=[pg.mkBrush(COLOURS[k % 8]) if ok else pg.mkBrush("w") for k, ok in zip(fk, d.correct)])

    def _moved(self, pos) -> None:
        if self.emb is None:
            return
        p = self.plot.getPlotItem().vb.mapSceneToView(pos)
        self.hover_at(p.x(), p.y())

    def _clicked(self, ev) -> None:
        if self.emb is None:
            return
        p = self.plot.getPlotItem().vb.mapSceneToView(ev.scenePos())
        i = self.hover_at(p.x(), p.y())
        if i >= 0:
            self.clicked.emit(i)

    def hover_at(self, x: float, y: float) -> int:
        """Show the folder image nearest (x, y) in data units, if it is close on screen."""
        pts = self.emb.points
        vb = self.plot.getPlotItem().vb
        (x0, x1), (y0, y1) = vb.viewRange()
        scale = np.array([max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)])
        dist = np.hypot(*((pts - [x, y]) / scale).T)
        i = int(dist.argmin())
        if dist[i] > 0.04:
            return -1
        if i != self.hover_index:
            self.hover_index = i
            d = self.diag
            self.preview.set_image(to_qimage(d.folder.images[i]))
            self.caption.setText(f"{d.folder.paths[i].rsplit('/', 1)[-1]}<br>"
                                 f"{d.classes[d.folder.labels[i]]} → {d.classes[d.predictions[i]]}")
            self.hovered.emit(i)
        return i

    def point_position(self, i: int) -> QPointF:
        """Scene position of folder point ``i`` (for tests and tours)."""
        x, y = self.emb.points[i]
        return self.plot.getPlotItem().vb.mapViewToScene(QPointF(float(x), float(y)))

