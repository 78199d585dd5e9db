"""LayerPanel: the live layer view under the Live tab (DeepVis-style).

Every unit of the chosen layer responding to the frame on screen (ActivationGrid), and the
selected unit in detail (LayerDetail): its activation over the crop, its HappyMap and its
top-9 images. The activations arrive with each LiveResult (the live worker hooks the layer
in the prediction's own forward pass); this panel only paints them. HappyMaps come from the
run's map cache (the gallery's settings, so a layer rendered there shows at once), else one
map is rendered on demand; top images are ranked on the probe set. Both run on the pool
through JobSlots, newest request first, and are kept per run and layer.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QSplitter, QVBoxLayout, QWidget

from faceviz_gui.gui.jobs import probe_faceset
from faceviz_gui.gui.pages.live.layer_detail import LayerDetail
from faceviz_gui.gui.pages.live.layer_grid import ActivationGrid
from faceviz_gui.gui.widgets.elided_label import ElidedLabel
from faceviz_gui.gui.widgets.job_slot import JobSlot
from faceviz_gui.gui.widgets.layer_names import map_layers

DEFAULT_STEPS = 256


def happymap_job(run, layer: str, unit: int, steps: int, reporter=None):
    """One unit's HappyMap: served from the cache (a full layer the gallery rendered holds
    it), else rendered alone and cached."""
    from faceviz_gui.core.maps.happymaps import render_layer
    lm = render_layer(run, layer, filters=[unit], steps=steps, reporter=reporter)
    return lm.maps[0] if lm.maps and lm.settings.get("complete", True) else None


def top_images_job(context, run, layer: str, reporter=None):
    from faceviz_gui.core.maps.topimages import top_images
    data = probe_faceset(context, run, reporter)
    return top_images(run, layer, data, k=9), data


class LayerPanel(QWidget):
    layerChosen = Signal(object)        # a layer name, or None when the view is off

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self.context = context
        self.run = None
        self.crop = None
        self.acts = None
        self._maps: dict[tuple, object] = {}
        self._tops: dict[tuple, object] = {}
        self.map_slot, self.top_slot = JobSlot(self), JobSlot(self)
        self.enabled = QCheckBox("Layer view")
        self.enabled.setChecked(True)
        self.enabled.setToolTip("Every unit of a layer responding to the frame, as it comes")
        self.layer_combo = QComboBox()
        # the page must fit beside the browser in a 1000-px window: the combo may elide
        self.layer_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.layer_combo.setMinimumContentsLength(26)
        self.sort = QCheckBox("Most active first")
        hint = ElidedLabel("PgUp/PgDn: layer · arrows: unit")
        hint.setStyleSheet("color: #5b6472;")
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        for w in (self.enabled, self.layer_combo, self.sort):
            head.addWidget(w)
        head.addWidget(hint, 1)
        self.grid = ActivationGrid()
        self.detail = LayerDetail()
        self.body = QSplitter(Qt.Orientation.Horizontal)
        self.body.addWidget(self.grid)
        self.body.addWidget(self.detail)
        self.body.setStretchFactor(0, 3)
        self.body.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.addLayout(head)
        lay.addWidget(self.body, 1)
        self.enabled.toggled.connect(self._enabled_toggled)
        self.layer_combo.currentIndexChanged.connect(self._layer_changed)
        self.sort.toggled.connect(self.grid.set_most_active_first)
        self.grid.layerStepRequested.connect(self.step_layer)
        self.grid.currentChanged.connect(self._unit_changed)

    # -- state ----------------------------------------------------------------------------
    @property
    def layer(self) -> str | None:
        if not self.enabled.isChecked() or self.layer_combo.currentIndex() < 0:
            return None
        return self.layer_combo.currentData()

    def set_run(self, run) -> None:
        """A run for the page: its conv and dense layers, read from the spec (no torch here)."""
        self.run = run
        self._maps.clear()
        self._tops.clear()
        self.map_slot.cancel()
        self.top_slot.cancel()
        keep = self.layer_combo.currentData()
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for ml in map_layers(run.spec) if run is not None else []:
            self.layer_combo.addItem(f"{ml.name}  ({ml.describe()})", ml.name)
        i = self.layer_combo.findData(keep)
        self.layer_combo.setCurrentIndex(i if i >= 0 else 0)
        self.layer_combo.blockSignals(False)
        self.show_activations(None, None)

    def step_layer(self, step: int) -> None:
        i = self.layer_combo.currentIndex() + step
        if 0 <= i < self.layer_combo.count():
            self.layer_combo.setCurrentIndex(i)

    def _layer_changed(self, *_):
        self.grid.set_activations(None)
        self.grid.set_empty_text("Waiting for the next frame…")
        self.layerChosen.emit(self.layer)

    def _enabled_toggled(self, on: bool) -> None:
        self.body.setVisible(on)
        self.layer_combo.setEnabled(on)
        self.sort.setEnabled(on)
        self.layerChosen.emit(self.layer)

    # -- frames ---------------------------------------------------------------------------
    def show_activations(self, acts, crop) -> None:
        """A LiveResult's layer activations and crop (or None): repaint grid and detail."""
        if acts is not None and acts.layer != self.layer:
            return                  # a frame from before the layer changed
        self.acts, self.crop = acts, crop
        self.grid.set_activations(acts)
        self.detail.show_unit(acts, crop, self.grid.current())

    def _unit_changed(self, unit: int) -> None:
        self.detail.show_unit(self.acts, self.crop, unit)
        if self.acts is None or unit < 0 or self.run is None:
            self.detail.set_happymap(None, "")
            self.detail.set_top_images(None)
            return
        self._show_happymap(self.acts.layer, unit)
        self._show_tops(self.acts.layer, unit)

    # -- HappyMap and top images (pool jobs) -----------------------------------------------
    def _steps(self) -> int:
        try:
            return int(self.context.settings.value("gallery/steps", DEFAULT_STEPS))
        except (TypeError, ValueError):
            return DEFAULT_STEPS

    def _show_happymap(self, layer: str, unit: int) -> None:
        key = (str(self.run.path), layer, unit, self._steps())
        if key in self._maps:
            m = self._maps[key]
            if m is None:
                return self.detail.set_happymap(None, "stopped")
            note = f"dead: {m.dead_reason}" if m.dead else f"activation {m.activation:.3g}"
            return self.detail.set_happymap(m.image, note)
        self.detail.set_happymap(None, "Rendering its HappyMap…")
        if self.map_slot.busy and self.map_slot.tag == key:
            return
        self.map_slot.start(happymap_job, self.run, layer, unit, key[3], tag=key,
                            on_finished=lambda m, key=key: self._on_map(key, m),
                            on_failed=lambda msg: self.detail.set_happymap(None, msg))

    def _on_map(self, key: tuple, m) -> None:
        self._maps[key] = m
        if self.acts is not None and (self.acts.layer, self.grid.current()) == key[1:3]:
            self._show_happymap(key[1], key[2])

    def _show_tops(self, layer: str, unit: int) -> None:
        key = (str(self.run.path), layer)
        if key in self._tops:
            return self.detail.set_top_images(self.top_items(key, unit))
        self.detail.set_top_images(None, "Finding the images that excite it most…")
        if self.top_slot.busy and self.top_slot.tag == key:
            return
        self.top_slot.start(top_images_job, self.context, self.run, layer, tag=key,
                            on_finished=lambda res, key=key: self._on_tops(key, res),
                            on_failed=lambda msg: self.detail.set_top_images(None, msg))

    def _on_tops(self, key: tuple, result) -> None:
        self._tops[key] = result
        if self.acts is not None and self.acts.layer == key[1]:
            self._show_tops(key[1], self.grid.current())

    def top_items(self, key: tuple, unit: int) -> list:
        top, data = self._tops[key]
        if not 0 <= unit < len(top.indices):
            return []
        return [(data.images[row], box, f"{value:.3g} · {data.records[row].person}")
                for row, value, box in top.for_filter(unit)]

    def shutdown(self) -> None:
        self.map_slot.cancel()
        self.top_slot.cancel()
