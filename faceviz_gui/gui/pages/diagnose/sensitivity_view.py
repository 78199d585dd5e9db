"""Sensitivity curves in pyqtgraph: one small plot per factor, run A solid and run B dashed,
the training images' curve in grey, and the range the training data covered shaded."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt

A_COLOUR, B_COLOUR, TRAIN_COLOUR = "#1f77b4", "#d62728", "#9a9a9a"
BAND = (120, 200, 120, 60)
COLUMNS = 4
# Axis words short enough for a quarter-width plot (the factor's label says it in full).
AXIS_WORDS = {"blur": "Gaussian sigma, px", "background": "added outside face",
              "brightness": "added to pixels", "match": "0 = as is, 1 = matched",
              "framing": "crop: tight &lt; 1 &lt; loose"}


class SensitivityView(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None):
        super().__init__(parent, show=False)
        self.setBackground("w")
        self.setMinimumHeight(420)
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        self.bands: dict[str, pg.LinearRegionItem] = {}

    def clear_plots(self) -> None:
        self.clear()
        self.plots, self.curves, self.bands = {}, {}, {}

    def set_diagnoses(self, a, b=None) -> None:
        """Draw A's curves (and B's, dashed) in the metric A's findings use."""
        from faceviz_gui.core.diagnose.findings import metric
        from faceviz_gui.core.diagnose.perturb import factor
        from faceviz_gui.core.diagnose.sensitivity import train_axis

        self.clear_plots()
        if a is None or not a.curves:
            return
        m, words = metric(a)
        for k, name in enumerate(a.curves):
            f = factor(name)
            p = self.addPlot(row=k // COLUMNS, col=k % COLUMNS)
            p.setTitle(f"<span style='font-size:9pt'>{name}</span>")
            p.setYRange(0, 1.02, padding=0)
            p.setMouseEnabled(False, False)
            p.hideButtons()
            unit = AXIS_WORDS.get(name) or (f.label.split(" (", 1)[1].rstrip(")") if " (" in f.label else "")
            p.getAxis("bottom").setLabel(f"<span style='font-size:8pt'>{unit}</span>")
            p.getAxis("bottom").enableAutoSIPrefix(False)
            # Ticks at the ends and the identity only: automatic ticks ran together ("0.81.01.2")
            # in a quarter-width plot.
            ends = sorted({min(f.values), f.identity, max(f.values)})
            p.getAxis("bottom").setTicks([[(v, f"{v:g}") for v in ends], []])
            p.getAxis("bottom").setStyle(hideOverlappingLabels=False)  # it dropped the end ticks
            for ax in ("left", "bottom"):
                p.getAxis(ax).setPen(pg.mkPen("#9aa2ae"))
                p.getAxis(ax).setTextPen(pg.mkPen("#3b4350"))
            lo, hi = a.covered.get(name, (f.identity, f.identity))
            if hi - lo < 1e-9:   # one point covered: show it as a thin band
                span = (max(f.values) - min(f.values)) * 0.01
                lo, hi = lo - span, hi + span
            band = pg.LinearRegionItem((lo, hi), movable=False, brush=pg.mkBrush(*BAND),
                                       pen=pg.mkPen(None))
            p.addItem(band)
            self.bands[name] = band
            p.addItem(pg.InfiniteLine(f.identity, angle=90, pen=pg.mkPen("#e67814", width=1)))
            tc = a.train_curves.get(name)
            if tc is not None:
                self.curves[(name, "train")] = p.plot(
                    train_axis(name, tc.values, a.gaps.get(name)), getattr(tc, m),
                    pen=pg.mkPen(TRAIN_COLOUR, width=1.5))
            c = a.curves[name]
            self.curves[(name, "a")] = p.plot(c.values, getattr(c, m), pen=pg.mkPen(A_COLOUR, width=2),
                                              symbol="o", symbolSize=5, symbolBrush=A_COLOUR)
            if b is not None and name in b.curves:
                cb = b.curves[name]
                self.curves[(name, "b")] = p.plot(
                    cb.values, getattr(cb, m), symbol="t", symbolSize=5, symbolBrush=B_COLOUR,
                    pen=pg.mkPen(B_COLOUR, width=2, style=Qt.PenStyle.DashLine))
            p.setXRange(min(c.values), max(c.values), padding=0.08)
            self.plots[name] = p
        self.metric_words = words
