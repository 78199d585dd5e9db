"""MapDetail: everything about one filter's HappyMap, beside the gallery grid.

The large map (raw or contrast-stretched, grey or a colour map), the activation it reached,
the dead flag and its reason, the optimisation's loss curve, the kernel itself for the first
conv layer (the only layer whose weights are a picture), and the nine data-set images that
excite the filter most, each with the region that does. The owner feeds it; it computes
nothing heavier than numpy -> QImage.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from faceviz_gui.core.maps.maptypes import FilterMap
from faceviz_gui.gui.widgets.image_canvas import ImageCanvas, KernelView
from faceviz_gui.gui.widgets.image_utils import COLORMAPS, to_qimage
from faceviz_gui.gui.widgets.top_nine import TopNine


def _section(text: str) -> QLabel:
    lab = QLabel(text)
    lab.setStyleSheet("font-weight: 600; color: #2b3442; margin-top: 8px;")
    return lab


class MapDetail(QScrollArea):
    displayChanged = Signal(bool, str)     # stretched, colour map

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(300)
        body = QWidget()
        self.setWidget(body)
        lay = QVBoxLayout(body)
        lay.setContentsMargins(12, 10, 12, 12)
        lay.setSpacing(6)

        self.title = QLabel("No filter selected")
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600; color: #1f2937;")
        self.badge = QLabel("")
        self.badge.setWordWrap(True)
        lay.addWidget(self.title)
        lay.addWidget(self.badge)

        self.canvas = ImageCanvas(min_size=QSize(200, 188))
        self.canvas.setMinimumHeight(220)
        lay.addWidget(self.canvas, 3)

        opts = QHBoxLayout()
        self.stretch_box = QCheckBox("Contrast stretch")
        self.stretch_box.setToolTip("Stretch the map's 1st..99th percentile to full range (S)")
        self.cmap_box = QComboBox()
        self.cmap_box.addItems(COLORMAPS)
        self.cmap_box.setToolTip("Colour map for the maps")
        opts.addWidget(self.stretch_box)
        opts.addStretch(1)
        opts.addWidget(QLabel("Colours"))
        opts.addWidget(self.cmap_box)
        lay.addLayout(opts)
        self.stretch_box.toggled.connect(self._display_changed)
        self.cmap_box.currentTextChanged.connect(self._display_changed)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(3)
        self.stats: dict[str, QLabel] = {}
        for key, label in (("activation", "Activation reached"), ("final_loss", "Final loss"),
                           ("saturation", "Saturated pixels"), ("hf_energy", "High-frequency energy")):
            v = QLabel("–")
            v.setWordWrap(True)
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.stats[key] = v
            form.addRow(label, v)
        lay.addLayout(form)

        lay.addWidget(_section("Optimisation loss"))
        self.plot = pg.PlotWidget(background="#ffffff")
        self.plot.setMinimumHeight(120)
        self.plot.setMaximumHeight(160)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        for ax in ("left", "bottom"):
            self.plot.getAxis(ax).setTextPen("#3b4350")
            self.plot.getAxis(ax).setPen("#9aa3af")
        self.plot.setLabel("bottom", "step")
        self.curve = self.plot.plot([], [], pen=pg.mkPen("#2f6fdf", width=2))
        lay.addWidget(self.plot)

        self.kernel_title = _section("Kernel (first-layer weights)")
        self.kernel = KernelView()
        lay.addWidget(self.kernel_title)
        lay.addWidget(self.kernel, 0, Qt.AlignmentFlag.AlignHCenter)

        lay.addWidget(_section("Top 9 images that excite it"))
        self.tops = TopNine(QSize(84, 80))
        self.top = self.tops.cells
        lay.addWidget(self.tops)
        lay.addStretch(1)
        self._map: FilterMap | None = None
        self._image: np.ndarray | None = None
        self.show_kernel(None)
        self.set_top_images(None)

    def sizeHint(self) -> QSize:
        return QSize(340, 720)

    # -- display options ---------------------------------------------------------------------
    @property
    def stretched(self) -> bool:
        return self.stretch_box.isChecked()

    @property
    def cmap(self) -> str:
        return self.cmap_box.currentText()

    def set_display(self, stretched: bool, cmap: str) -> None:
        self.stretch_box.setChecked(stretched)
        self.cmap_box.setCurrentText(cmap)

    def _display_changed(self, *_):
        self._redraw()
        self.displayChanged.emit(self.stretched, self.cmap)

    def _redraw(self) -> None:
        if self._image is None:
            waiting = self._map is None and self.title.text() != "No filter selected"
            self.canvas.set_placeholder("Rendering…" if waiting else "")
            return
        self.canvas.set_image(to_qimage(self._image, self.stretched, self.cmap))

    # -- content -------------------------------------------------------------------------------
    def clear(self, text: str = "No filter selected") -> None:
        self._map, self._image = None, None
        self.title.setText(text)
        self.badge.setText("")
        for v in self.stats.values():
            v.setText("–")
        self.curve.setData([], [])
        self.canvas.set_placeholder("")
        self.show_kernel(None)
        self.set_top_images(None)

    def show_pending(self, layer: str, index: int, image: np.ndarray | None = None,
                     step: int | None = None) -> None:
        """A filter whose map is still being optimised (a preview, or nothing yet)."""
        self._map, self._image = None, image
        self.title.setText(f"{layer} · {self.unit_name(index)}")
        self.badge.setText(f"<span style='color:#5b6472'>Preview at step {step}</span>" if step
                           else "<span style='color:#5b6472'>Rendering…</span>")
        for v in self.stats.values():
            v.setText("–")
        self.curve.setData([], [])
        self._redraw()

    def show_map(self, m: FilterMap) -> None:
        self._map, self._image = m, m.image
        self.title.setText(f"{m.layer} · {self.unit_name(m.index)}")
        if m.dead:
            self.badge.setText(f"<span style='color:#b42318; font-weight:600'>● Dead</span>"
                               f"<span style='color:#b42318'> — {m.dead_reason or 'no reason given'}</span>")
        else:
            self.badge.setText("<span style='color:#1a7f37; font-weight:600'>● Responds</span>")
        s = m.stats()
        self.stats["activation"].setText(f"{m.activation:.4g}")
        self.stats["final_loss"].setText("–" if s["final_loss"] is None else f"{s['final_loss']:.4g}")
        self.stats["saturation"].setText(f"{m.saturation:.1%}")
        self.stats["hf_energy"].setText(f"{m.hf_energy:.1%}")
        curve = np.asarray(m.loss_curve, dtype=np.float32)
        self.curve.setData(np.arange(1, len(curve) + 1), curve)
        self._redraw()

    def set_unit_names(self, names: list[str]) -> None:
        """Names for the units of the layer shown (class names on a decision layer)."""
        self._unit_names = list(names)

    def unit_name(self, i: int) -> str:
        names = getattr(self, "_unit_names", [])
        return names[i] if 0 <= i < len(names) else f"filter #{i}"

    def current_map(self) -> FilterMap | None:
        return self._map

    def show_kernel(self, kernel: np.ndarray | None) -> None:
        self.kernel.set_kernel(kernel)
        self.kernel.setVisible(kernel is not None)
        self.kernel_title.setVisible(kernel is not None)

    def set_top_images(self, items, note: str = "") -> None:
        """``items``: up to nine (image, box or None, caption); None shows ``note`` alone."""
        self.tops.set_items(items, note)

    def top_count(self) -> int:
        return self.tops.count()
