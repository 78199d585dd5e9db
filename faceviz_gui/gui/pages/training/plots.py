"""Loss and accuracy plots that grow while a run trains.

Reports only append to Python lists; a 10 Hz QTimer pushes them to pyqtgraph with
``setData`` when something changed, so a burst of reports never costs more than one redraw.
x is in epochs: batch reports land at fractional epochs, epoch ends at whole numbers.

Ranges are set, not auto-ranged: x spans the run's epochs, accuracy [0, 1], loss [0, the
highest loss seen] growing only when exceeded. A range that moves with every point makes
pyqtgraph redraw the axes each time, and that was most of the redraw's cost.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QSize, QTimer
from PySide6.QtWidgets import QHBoxLayout, QWidget

TRAIN, VAL, BATCH, OLD = "#2f6fdf", "#e8710a", "#9dbbf0", (140, 148, 160, 90)


class Series:
    def __init__(self) -> None:
        self.x: list[float] = []
        self.y: list[float] = []

    def add(self, x: float, y) -> None:
        if y is not None:
            self.x.append(float(x))
            self.y.append(float(y))

    def clear(self) -> None:
        self.x.clear()
        self.y.clear()


def _plot(title: str, ylabel: str, legend_at=(-10, 10)) -> pg.PlotWidget:
    w = pg.PlotWidget(background="w")
    item = w.getPlotItem()
    item.setTitle(title, color="#1f2937", size="11pt")
    item.setLabel("bottom", "epoch", color="#3b4350")
    item.setLabel("left", ylabel, color="#3b4350")
    # No grid: pyqtgraph draws it at ~20 ms a plot in the raster engine, the whole UI budget.
    for axis in ("left", "bottom"):
        ax = item.getAxis(axis)
        ax.setPen(pg.mkPen("#9aa2ae"))
        ax.setTextPen(pg.mkPen("#3b4350"))
    item.setDownsampling(mode="peak")
    item.setClipToView(True)
    item.setMenuEnabled(False)
    item.addLegend(offset=legend_at, labelTextColor="#3b4350", brush=pg.mkBrush(255, 255, 255, 200))
    w.setMinimumHeight(160)
    return w


class TrainingPlots(QWidget):
    REDRAW_MS = 100

    def __init__(self, parent=None):
        super().__init__(parent)
        self.loss_plot = _plot("Loss", "loss")
        self.acc_plot = _plot("Accuracy", "accuracy", legend_at=(-10, -10))  # curves end high
        self._epochs = 1
        self._loss_top = 1.0
        for plot in (self.loss_plot, self.acc_plot):
            plot.getPlotItem().disableAutoRange()
        self.acc_plot.getPlotItem().setYRange(0, 1.02, padding=0)
        self.loss_plot.getPlotItem().setYRange(0, self._loss_top, padding=0)
        self.set_epochs(1)
        self.acc_plot.setToolTip("Accuracy: training (blue, per epoch; light: running within the "
                                 "epoch) and validation (orange); grey: earlier runs' validation")
        self.loss_plot.setToolTip(self.acc_plot.toolTip().replace("Accuracy", "Loss"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss_plot)
        layout.addWidget(self.acc_plot)
        self.series = {k: Series() for k in ("batch_loss", "batch_acc", "loss", "acc",
                                             "val_loss", "val_acc")}
        self.curves = {}
        for plot, metric in ((self.loss_plot, "loss"), (self.acc_plot, "acc")):
            item = plot.getPlotItem()
            self.curves[f"batch_{metric}"] = item.plot(pen=pg.mkPen(BATCH, width=1), name="train (running)")
            self.curves[metric] = item.plot(pen=pg.mkPen(TRAIN, width=2), symbol="o", symbolSize=6,
                                            symbolBrush=TRAIN, symbolPen=None, name="train")
            self.curves[f"val_{metric}"] = item.plot(pen=pg.mkPen(VAL, width=2), symbol="s",
                                                     symbolSize=6, symbolBrush=VAL, symbolPen=None,
                                                     name="validation")
        self.overlay_items: list = []
        self._dirty = False
        self.redraws = 0
        self.timer = QTimer(self)
        self.timer.setInterval(self.REDRAW_MS)
        self.timer.timeout.connect(self.redraw)
        self.timer.start()

    # -- ranges -----------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        # The page's splitter shares its height by the size hints: this (with the results'
        # hint) gives the results about 3/7 of it, room for a readable confusion matrix.
        return QSize(640, 320)

    def set_epochs(self, epochs: int) -> None:
        self._epochs = max(1, int(epochs))
        for plot in (self.loss_plot, self.acc_plot):
            plot.getPlotItem().setXRange(0, self._epochs, padding=0.02)

    def _fit_loss(self, values) -> None:
        top = max((v for v in values if v is not None and v == v), default=0.0)
        if top > self._loss_top or (top and top < self._loss_top / 4):
            self._loss_top = max(top * 1.1, 1e-3)
            self.loss_plot.getPlotItem().setYRange(0, self._loss_top, padding=0)

    # -- feeding ----------------------------------------------------------------------------
    def clear(self, epochs: int | None = None) -> None:
        for s in self.series.values():
            s.clear()
        self._loss_top = 1.0
        self.loss_plot.getPlotItem().setYRange(0, self._loss_top, padding=0)
        if epochs:
            self.set_epochs(epochs)
        self._dirty = True
        self.redraw()

    def add_batch(self, r: dict) -> None:
        x = (r["epoch"] - 1) + r["batch"] / max(1, r["batches"])
        if r.get("epochs", self._epochs) != self._epochs:
            self.set_epochs(r["epochs"])
        self.series["batch_loss"].add(x, r.get("loss"))
        self.series["batch_acc"].add(x, r.get("acc"))
        self._dirty = True

    def add_epoch(self, row: dict) -> None:
        x = row["epoch"]
        if not self.series["loss"].x:
            # Start the epoch curves at the first running value, so one epoch shows a line.
            for m in ("loss", "acc"):
                b = self.series[f"batch_{m}"]
                if b.x and b.x[0] < x:
                    self.series[m].add(b.x[0], b.y[0])
        for key in ("loss", "acc", "val_loss", "val_acc"):
            self.series[key].add(x, row.get(key))
        # The running curve restarts each epoch; keep it joined to the epoch's final value.
        self.series["batch_loss"].add(x, row.get("loss"))
        self.series["batch_acc"].add(x, row.get("acc"))
        self._dirty = True

    def set_history(self, rows: list[dict], epochs: int | None = None) -> None:
        """A finished or stopped run's metrics.jsonl, drawn at once."""
        self.set_epochs(epochs or len(rows) or 1)
        for s in self.series.values():
            s.clear()
        for row in rows:
            for key in ("loss", "acc", "val_loss", "val_acc"):
                self.series[key].add(row["epoch"], row.get(key))
        self._loss_top = 1.0
        self._fit_loss(self.series["loss"].y + self.series["val_loss"].y)
        self._dirty = True
        self.redraw()

    def set_overlays(self, runs: list[tuple[str, list[dict]]]) -> None:
        """Earlier runs of the experiment as faint validation (else training) curves."""
        for plot_item, curve in self.overlay_items:
            plot_item.removeItem(curve)
        self.overlay_items = []
        pen = pg.mkPen(OLD, width=1.5)
        for _label, rows in runs:
            for plot, metric in ((self.loss_plot, "loss"), (self.acc_plot, "acc")):
                key = f"val_{metric}" if any(r.get(f"val_{metric}") is not None for r in rows) else metric
                pts = [(r["epoch"], r[key]) for r in rows if r.get(key) is not None]
                if not pts:
                    continue
                item = plot.getPlotItem()
                curve = pg.PlotDataItem([p[0] for p in pts], [p[1] for p in pts], pen=pen)
                curve.setZValue(-10)
                item.addItem(curve)  # not via plot(): keeps them out of the legend
                self.overlay_items.append((item, curve))

    # -- drawing ----------------------------------------------------------------------------
    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.redraws += 1
        self._fit_loss(self.series["batch_loss"].y + self.series["loss"].y + self.series["val_loss"].y)
        for key, curve in self.curves.items():
            s = self.series[key]
            curve.setData(s.x, s.y)

    def point_count(self, key: str = "batch_loss") -> int:
        """Points drawn (not just received) on a curve; tests wait on it."""
        x, _y = self.curves[key].getData()
        return 0 if x is None else len(x)
