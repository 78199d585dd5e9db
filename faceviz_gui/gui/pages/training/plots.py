"""Loss and accuracy plots that grow while a run trains.

Reports only append to Python lists; a 10 Hz QTimer pushes them to pyqtgraph with
``setData`` when something changed, so a burst of reports never costs more than one redraw.
x is in epochs: batch reports land at fractional epochs, epoch ends at whole numbers.

Ranges are set, not auto-ranged: x spans the run's epochs (or the longest overlaid run),
accuracy [0, 1], loss [0, the highest loss seen] growing only when exceeded. A range that
moves with every point makes pyqtgraph redraw the axes each time, and that was most of the
redraw's cost. The log loss axis (opt-in) auto-ranges: log10 of 0 has no place on it.

The legend is a line of text above the plots, never inside them: at 1000x700 an in-plot
legend covered the curves. Other runs (overlay.py) get a colour each and a legend entry.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QSize, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from faceviz_gui.gui.pages.training.overlay import OverlayBar, legend_html, smooth
from faceviz_gui.gui.widgets.wrap_row import WrapRow

TRAIN, VAL, BATCH = "#2f6fdf", "#e8710a", "#9dbbf0"
LOG_FLOOR = 1e-6  # a loss of exactly 0 on a log axis


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


def _plot(title: str, ylabel: str) -> pg.PlotWidget:
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
    w.setMinimumHeight(110)  # the page fits a 1000x700 window with the results below
    return w


class TrainingPlots(QWidget):
    REDRAW_MS = 100

    def __init__(self, parent=None):
        super().__init__(parent)
        self.loss_plot = _plot("Loss", "loss")
        self.acc_plot = _plot("Accuracy", "accuracy")
        self._epochs = 1
        self._run_epochs = 1
        self._smoothing = 0.0
        self._log_loss = False
        self._overlay_runs: list[tuple[str, list[dict], str]] = []
        self._loss_top = 1.0
        for plot in (self.loss_plot, self.acc_plot):
            plot.getPlotItem().disableAutoRange()
        self.acc_plot.getPlotItem().setYRange(0, 1.02, padding=0)
        # three ticks: at the 110-pixel minimum, six labels ran into each other
        self.acc_plot.getPlotItem().getAxis("left").setTicks(
            [[(0.0, "0"), (0.5, "0.5"), (1.0, "1")], [(0.25, ""), (0.75, "")]])
        self.loss_plot.getPlotItem().setYRange(0, self._loss_top, padding=0)
        self.set_epochs(1)
        self.acc_plot.setToolTip("Accuracy: training (blue, per epoch; light: running within the "
                                 "epoch) and validation (orange); other colours: other runs' "
                                 "validation, named above the plots")
        self.loss_plot.setToolTip(self.acc_plot.toolTip().replace("Accuracy", "Loss"))
        # The header: which other runs, smoothing and log axis, then the legend at the right.
        self.overlay_bar = OverlayBar()
        self.legend = QLabel(legend_html([(BATCH, "line", "running"), (TRAIN, "dot", "train"),
                                          (VAL, "square", "validation")]))
        self.legend.setObjectName("trainingLegend")
        self.legend.setStyleSheet("color: #3b4350;")
        self.runs_legend = QLabel()  # the overlaid runs, one colour each
        self.runs_legend.setWordWrap(True)
        self.runs_legend.setStyleSheet("color: #3b4350;")
        header = WrapRow(spacing=12)
        header.add(self.overlay_bar)
        header.add(self.legend, right=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(header)
        layout.addWidget(self.runs_legend)
        plots = QHBoxLayout()
        plots.setContentsMargins(0, 0, 0, 0)
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.acc_plot)
        layout.addLayout(plots, 1)
        self.series = {k: Series() for k in ("batch_loss", "batch_acc", "loss", "acc",
                                             "val_loss", "val_acc")}
        self.curves = {}
        for plot, metric in ((self.loss_plot, "loss"), (self.acc_plot, "acc")):
            item = plot.getPlotItem()
            self.curves[f"batch_{metric}"] = item.plot(pen=pg.mkPen(BATCH, width=1))
            self.curves[metric] = item.plot(pen=pg.mkPen(TRAIN, width=2), symbol="o", symbolSize=6,
                                            symbolBrush=TRAIN, symbolPen=None)
            self.curves[f"val_{metric}"] = item.plot(pen=pg.mkPen(VAL, width=2), symbol="s",
                                                     symbolSize=6, symbolBrush=VAL, symbolPen=None)
        self.overlay_items: list = []
        self._update_legend()
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

    def minimumSizeHint(self) -> QSize:
        # The splitter asks no height-for-width: a wrapped legend line must count here, or the
        # plots lose their minimum height to it (clipped at 1000x700).
        base = super().minimumSizeHint()
        lay = self.layout()
        if lay is not None and self.width() > 0 and lay.hasHeightForWidth():
            return QSize(base.width(), max(base.height(), lay.minimumHeightForWidth(self.width())))
        return base

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        if e.oldSize().width() != e.size().width():
            self.updateGeometry()

    def set_epochs(self, epochs: int) -> None:
        self._run_epochs = max(1, int(epochs))
        longest = max((r[-1]["epoch"] for _l, r, _c in self._overlay_runs if r), default=0)
        self._epochs = max(self._run_epochs, int(longest))
        for plot in (self.loss_plot, self.acc_plot):
            plot.getPlotItem().setXRange(0, self._epochs, padding=0.02)

    def _fit_loss(self, values) -> None:
        if self._log_loss:
            return  # auto-ranged
        top = max((v for v in values if v is not None and v == v), default=0.0)
        if top > self._loss_top or (top and top < self._loss_top / 4):
            self._loss_top = max(top * 1.1, 1e-3)
            self.loss_plot.getPlotItem().setYRange(0, self._loss_top, padding=0)

    def set_smoothing(self, weight: float) -> None:
        """TensorBoard-style smoothing of every curve (0: raw)."""
        self._smoothing = max(0.0, min(0.99, float(weight)))
        self._dirty = True
        self.redraw()
        self._draw_overlays()

    def set_log_loss(self, on: bool) -> None:
        self._log_loss = bool(on)
        item = self.loss_plot.getPlotItem()
        item.setLogMode(False, self._log_loss)
        if self._log_loss:
            item.enableAutoRange(axis="y")
        else:
            item.disableAutoRange()
            self._loss_top = 1.0
            item.setYRange(0, self._loss_top, padding=0)
            self.set_epochs(self._run_epochs)
        self._dirty = True
        self.redraw()
        self._draw_overlays()

    def is_log_loss(self) -> bool:
        return self._log_loss

    def _y(self, key: str, ys: list[float]) -> list[float]:
        ys = smooth(ys, self._smoothing)
        if self._log_loss and "loss" in key:
            ys = [max(v, LOG_FLOOR) for v in ys]
        return ys

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

    def set_overlays(self, runs: list[tuple[str, list[dict], str]]) -> None:
        """Other runs as validation (else training) curves: (label, metrics rows, colour)."""
        self._overlay_runs = [r for r in runs if r[1]]
        self.set_epochs(self._run_epochs)
        self._draw_overlays()
        self._update_legend()

    def overlay_labels(self) -> list[str]:
        return [label for label, _rows, _c in self._overlay_runs]

    def _draw_overlays(self) -> None:
        for plot_item, curve in self.overlay_items:
            plot_item.removeItem(curve)
        self.overlay_items = []
        for _label, rows, colour in self._overlay_runs:
            pen = pg.mkPen(colour, width=1.6)
            for plot, metric in ((self.loss_plot, "loss"), (self.acc_plot, "acc")):
                key = f"val_{metric}" if any(r.get(f"val_{metric}") is not None for r in rows) else metric
                pts = [(r["epoch"], r[key]) for r in rows if r.get(key) is not None]
                if not pts:
                    continue
                item = plot.getPlotItem()
                curve = pg.PlotDataItem([p[0] for p in pts], self._y(key, [p[1] for p in pts]),
                                        pen=pen)
                curve.setZValue(-10)
                item.addItem(curve)
                self.overlay_items.append((item, curve))

    def _update_legend(self) -> None:
        entries = [(c, "line", label) for label, _r, c in self._overlay_runs]
        self.runs_legend.setText("Validation of " + legend_html(entries) if entries else "")
        self.runs_legend.setVisible(bool(entries))
        self.updateGeometry()

    # -- drawing ----------------------------------------------------------------------------
    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.redraws += 1
        self._fit_loss(self.series["batch_loss"].y + self.series["loss"].y + self.series["val_loss"].y)
        for key, curve in self.curves.items():
            s = self.series[key]
            curve.setData(s.x, self._y(key, s.y))

    def point_count(self, key: str = "batch_loss") -> int:
        """Points drawn (not just received) on a curve; tests wait on it."""
        x, _y = self.curves[key].getData()
        return 0 if x is None else len(x)
