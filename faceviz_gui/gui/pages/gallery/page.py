"""GalleryPanel: every layer's HappyMaps for the run in view, with a detail view per filter.

Layers on the left, the map grid in the middle, the chosen filter's detail on the right.
Rendering runs in a JobWorker (render_layer reports previews as it optimises); choosing another
layer cancels the render no longer wanted. Rendered layers are kept in memory per weights
file, and render_layer serves repeats from its disk cache, so a layer seen once shows at once.
The panel only works while visible: selecting a run on another page costs nothing until the
gallery is opened.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from faceviz_gui.core.maps.maptypes import LayerMaps
from faceviz_gui.core.training.runs import Run, list_runs
from faceviz_gui.gui.pages.gallery.header import GalleryHeader
from faceviz_gui.gui.pages.gallery.jobs import cached_layers_job, render_job, top_images_job, top_items
from faceviz_gui.gui.pages.gallery.layer_list import LayerList
from faceviz_gui.gui.settings import restore_splitters
from faceviz_gui.gui.widgets.elided_label import ElidedLabel
from faceviz_gui.gui.widgets.job_slot import JobSlot
from faceviz_gui.gui.widgets.layer_names import MapLayer, first_conv_kernels, map_layers, unit_names
from faceviz_gui.gui.widgets.map_detail import MapDetail
from faceviz_gui.gui.widgets.map_grid import FINAL, PREVIEW, MapGrid
from faceviz_gui.gui.widgets.split_words import run_split, split_words

HINT = ("Each tile is a HappyMap: the input image that excites one filter most, found by "
        "optimisation. The number under it is the activation reached.<br><br>"
        "<span style='color:#b42318'>Red</span> marks a <b>dead</b> filter: judged by its map, "
        "no input the optimiser found makes it respond, or the map is flat or saturated. "
        "Hover for the reason. (Compare's <b>silent</b> units are judged on real test photos "
        "instead: their output never changes on them.)<br><br>"
        "Click a map for its details: the kernel, the loss curve and the nine images "
        "that excite it most.")
NO_RUN_HINT = ("No run selected: select a trained run in the experiment browser (or train one "
               "on the Training page) to see what each of its filters responds to.")
NARROW_PX = 900  # below this the detail goes under the grid


class GalleryPanel(QWidget):
    def __init__(self, context, parent=None):
        super().__init__(parent)
        self.context = context
        self.run: Run | None = None
        self.layers: list[MapLayer] = []
        self._maps: dict[tuple, LayerMaps] = {}     # (weights stamp, layer, steps) -> maps
        self._top: dict[tuple, object] = {}         # (weights stamp, layer) -> top images
        self._kernels = None
        self._pending_run: str | None = None
        self._t_open = 0.0
        self.render_slot = JobSlot(self)
        self.top_slot = JobSlot(self)
        self.peek_slot = JobSlot(self)
        self._build()
        s = context.settings
        self.detail.set_display(_bool(s.value("gallery/stretched", True)),
                                str(s.value("gallery/cmap", "grey")))
        self.grid.set_tile_width(int(s.value("gallery/tile", 96)))
        self.set_steps(int(s.value("gallery/steps", 256)))
        restore_splitters(s, [self.splitter])
        context.runSelected.connect(self.show_run)
        context.experimentSelected.connect(self._experiment_selected)
        context.runsChanged.connect(self._runs_changed)
        if getattr(context, "runUpdated", None) is not None:
            context.runUpdated.connect(self._run_updated)
        if context.current_run:
            self.show_run(context.current_run)
        else:  # never "choose a layer" with no layer and no run listed
            self._clear("No run selected", NO_RUN_HINT)

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.header = h = GalleryHeader()
        self.run_label, self.steps_box, self.progress = h.run_label, h.steps_box, h.progress
        self.stop_button, self.export_button = h.stop_button, h.export_button
        self.steps_box.currentIndexChanged.connect(self._steps_changed)

        self.layer_list = LayerList()
        self.grid = MapGrid()
        self.detail = MapDetail()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.layer_list, 1)
        hint = QLabel(HINT)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5b6472; padding: 6px 8px;")
        ll.addWidget(hint)
        self.hint = hint
        # The grid and the detail side by side when wide; the detail under the grid when the
        # page is narrow (beside the browser in a 1000-px window), so the grid keeps columns.
        self.inner = QSplitter(Qt.Orientation.Horizontal)
        self.inner.addWidget(self.grid)
        self.inner.addWidget(self.detail)
        self.inner.setStretchFactor(0, 1)
        self.inner.setSizes([680, 340])
        self.inner.setChildrenCollapsible(False)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.inner)
        split.setStretchFactor(1, 1)
        split.setSizes([215, 1020])
        split.setChildrenCollapsible(False)
        split.setObjectName("gallerySplitter2")  # saved by name; 2: three panes became two
        self.splitter = split
        self.status = ElidedLabel("")
        self.status.setStyleSheet("color: #5b6472; padding: 2px 12px 6px 12px;")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.header)
        lay.addWidget(split, 1)
        lay.addWidget(self.status)

        self.layer_list.layerChosen.connect(self.open_layer)
        self.grid.currentChanged.connect(self._filter_changed)
        self.grid.layerStepRequested.connect(self.layer_list.step)
        self.grid.zoomChanged.connect(lambda w: self.context.settings.setValue("gallery/tile", w))
        self.detail.displayChanged.connect(self._display_changed)
        stretch_key = QShortcut(QKeySequence("S"), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        stretch_key.activated.connect(self.detail.stretch_box.toggle)
        h.zoom_in.clicked.connect(self.grid.zoom_in)
        h.zoom_out.clicked.connect(self.grid.zoom_out)
        self.stop_button.clicked.connect(self.stop)
        self.export_button.clicked.connect(self.open_export)

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        narrow = self.width() < NARROW_PX
        want = Qt.Orientation.Vertical if narrow else Qt.Orientation.Horizontal
        if self.inner.orientation() != want:
            self.inner.setOrientation(want)
            total = self.inner.height() if narrow else self.inner.width()
            self.inner.setSizes([total * 11 // 20, total * 9 // 20] if narrow
                                else [total * 2 // 3, total // 3])

    # -- run ---------------------------------------------------------------------------------
    def show_run(self, path: str) -> None:
        if not self.isVisible():
            self._pending_run = path       # opened when the page is shown
            return
        self._pending_run = None
        run = Run(path) if path and (Path(path) / "spec.toml").is_file() else None
        if run is not None and self.run is not None and run.path == self.run.path:
            return
        self.stop()
        self.top_slot.cancel()
        self.peek_slot.cancel()
        self.run = run
        self._maps.clear()
        self._top.clear()
        self.detail.clear()
        if run is None:
            self._clear("No run selected", NO_RUN_HINT)
            return
        if not run.has_weights:
            self._clear(f"{run.id} has no weights yet",
                        "Train it on the Training page; its maps appear here once it has weights.")
            return
        self.layers = map_layers(run.spec)
        self._kernels = first_conv_kernels(run.weights_path, run.spec)
        st = run.status
        acc = (run.evaluation() or {}).get("accuracy")
        self.run_label.setText(f"{st.get('experiment', run.spec.name)}  ·  {run.id}"
                               + (f"  ·  test accuracy {acc:.1%} ({split_words(run_split(run))})"
                                  if isinstance(acc, float) else ""))
        self.export_button.setEnabled(True)
        self.layer_list.set_layers(self.layers)
        self._peek_cache()
        wanted = str(self.context.settings.value("gallery/layer", ""))
        if not self.layer_list.select_layer(wanted) and self.layers:
            self.layer_list.select_layer(self.layers[0].name)
        self.grid.setFocus()          # arrows move between filters straight away, as in DeepVis

    def _peek_cache(self) -> None:
        """Dead counts (and instant display) for every layer already in the run's cache."""
        stamp, steps = self._stamp(), self.steps
        self.peek_slot.start(cached_layers_job, self.run, [l.name for l in self.layers], steps,
                             self.context.device,
                             on_finished=lambda found: self._on_peek(stamp, steps, found))

    def _on_peek(self, stamp: tuple, steps: int, found: dict) -> None:
        if self.run is None or stamp != self._stamp():
            return
        for layer, lm in found.items():
            self._maps.setdefault((stamp, layer, steps), lm)
            self._set_dead(lm)

    def _set_dead(self, lm: LayerMaps) -> None:
        reasons = sorted({m.dead_reason for m in lm.maps if m.dead and m.dead_reason})
        self.layer_list.set_dead(lm.layer, lm.dead_count, len(lm.maps), ", ".join(reasons))

    def _clear(self, text: str, hint: str = "") -> None:
        self.layers = []
        self.layer_list.set_layers([])
        self.grid.reset(0)
        self.grid.set_empty_text(hint or text)
        self.run_label.setText(text)
        self.export_button.setEnabled(False)
        self.status.setText("")

    def _experiment_selected(self, name: str) -> None:
        if self.run is not None and self.run.status.get("experiment") == name:
            return
        runs = [r for r in list_runs(self.context.runs_root, name) if r.has_weights]
        if runs:
            self.show_run(str(runs[-1].path))
        elif self.isVisible():
            self.stop()
            self.run = None
            self._pending_run = None
            self.detail.clear()
            self._clear(f"{name}: no trained run yet",
                        f"Train {name} on the Training page; its maps appear here once it has weights.")

    def _runs_changed(self) -> None:
        if self.run is not None and not (self.run.path / "spec.toml").is_file():
            self.show_run("")

    def _run_updated(self, path: str) -> None:
        if self.run is not None and Path(path) == self.run.path:
            self.status.setText("This run has new weights (training goes on): "
                                "choose the layer again to see the new maps.")

    def showEvent(self, e) -> None:
        super().showEvent(e)
        if self._pending_run is not None:
            self.show_run(self._pending_run)

    # -- layers ------------------------------------------------------------------------------
    @property
    def steps(self) -> int:
        return self.header.steps

    def set_steps(self, n: int) -> None:
        self.header.set_steps(n)

    def _steps_changed(self) -> None:
        self.context.settings.setValue("gallery/steps", self.steps)
        if self.run is not None and self.layers:
            self.layer_list.reset_dead()       # counts belong to maps of one step count
            self._peek_cache()
        if self.layer_list.current_layer():
            self.open_layer(self.layer_list.current_layer())

    def _stamp(self) -> tuple:
        try:
            return (str(self.run.path), self.run.weights_path.stat().st_mtime_ns)
        except OSError:
            return (str(self.run.path), 0)

    def current_layer(self) -> str:
        return self.layer_list.current_layer()

    def open_layer(self, name: str) -> None:
        if self.run is None or not name:
            return
        self.layer_list.select_layer(name)
        self.context.settings.setValue("gallery/layer", name)
        self.stop()
        ml = next(l for l in self.layers if l.name == name)
        names = unit_names(ml, self.run.spec.unit_classes)
        self.grid.set_unit_names(names)
        self.detail.set_unit_names(names)
        what = f"{ml.describe()}: {', '.join(names)}" if ml.decision else ml.describe()
        self.grid.reset(ml.units, self.run.spec.input_size, f"{name}  ·  {what}")
        done = self._maps.get((self._stamp(), name, self.steps))
        if done is not None:
            self._show_maps(done, cached=True)
            return
        self.status.setText(f"Rendering {name}…")
        self.header.set_busy(True)
        key = (self._stamp(), name, self.steps)
        self._t_open = time.monotonic()
        self.render_slot.start(render_job, self.run, name, steps=self.steps, device=self.context.device,
                               on_progress=self._on_progress,
                               on_finished=lambda lm, key=key: self._on_rendered(key, lm),
                               on_failed=self._on_failed)

    def stop(self) -> None:
        """Cancel the render in flight (its late reports are ignored)."""
        if self.render_slot.cancel():
            self.status.setText("Stopped.")
        self.header.set_busy(False)

    def _on_progress(self, r: dict) -> None:
        if r.get("layer") not in (None, self.current_layer()):
            return
        if r.get("kind") == "preview" and not r.get("final"):
            self.grid.set_images(r["indices"], r["images"], step=r.get("step"))
            if self.grid.current() in r["indices"]:
                self._filter_changed(self.grid.current())
        elif r.get("kind") == "progress" and r.get("total"):
            self.progress.setRange(0, int(r["total"]))
            self.progress.setValue(int(r.get("done", 0)))
            self.status.setText(f"Rendering {r.get('layer', '')}: step {r.get('done')} of {r['total']}")

    def _on_rendered(self, key: tuple, lm: LayerMaps) -> None:
        self.header.set_busy(False)
        if not lm.settings.get("complete", True):
            self.grid.set_maps(lm.maps)
            self.status.setText(f"{lm.layer}: stopped after {len(lm.maps)} maps.")
            return
        self._maps[key] = lm
        self._show_maps(lm, cached=False)

    def _show_maps(self, lm: LayerMaps, cached: bool) -> None:
        self.grid.set_maps(lm.maps)
        self._set_dead(lm)
        # A disk-cache hit carries the seconds of the original render: compare with our wait.
        waited = time.monotonic() - self._t_open
        how = ("shown from memory" if cached else "shown from the cache" if waited < 0.5 * lm.seconds
               else f"rendered in {lm.seconds:.1f} s")
        keys = "arrows: filters · PgUp/PgDn: layers · +/−: zoom · S: stretch"
        units = "filters" if lm.layer.startswith("conv") else "units"
        self.status.setText(f"{lm.layer}: {lm.dead_count} of {len(lm.maps)} {units} dead (by "
                            f"their maps)  ·  {lm.settings.get('steps', '?')} steps, "
                            f"{how}        {keys}")
        self.header.set_busy(False)
        self._filter_changed(self.grid.current())

    def _on_failed(self, msg: str) -> None:
        self.header.set_busy(False)
        self.status.setText(f"Could not render: {msg.splitlines()[0]}")
        self.context.show_status(f"Gallery: {msg.splitlines()[0]}", 8000)

    # -- detail ------------------------------------------------------------------------------
    def _filter_changed(self, i: int) -> None:
        t = self.grid.tile(i)
        layer = self.current_layer()
        if t is None or not layer:
            self.detail.clear()
            return
        if t.stage == FINAL and t.fmap is not None:
            self.detail.show_map(t.fmap)
        else:
            self.detail.show_pending(layer, i, t.image if t.stage == PREVIEW else None, t.step)
        first_conv = bool(self.layers) and layer == self.layers[0].name and self.layers[0].kind == "conv2d"
        self.detail.show_kernel(self._kernels[i, 0] if first_conv and self._kernels is not None
                                and i < len(self._kernels) else None)
        self._show_top(layer, i, t.stage == FINAL)

    def _show_top(self, layer: str, i: int, final: bool) -> None:
        key = (self._stamp(), layer)
        if key in self._top:
            self.detail.set_top_images(top_items(self._top[key], i))
            return
        if not final or self.render_slot.busy:
            self.detail.set_top_images(None, "Found once the layer's maps are done.")
            return
        self.detail.set_top_images(None, "Finding the images that excite it most…")
        if self.top_slot.busy and self.top_slot.tag == key:
            return
        self.top_slot.start(top_images_job, self.context, self.run, layer, tag=key,
                            device=self.context.device,
                            on_finished=lambda res, key=key: self._on_top(key, res),
                            on_failed=lambda msg: self.detail.set_top_images(
                                None, f"Top images unavailable: {msg.splitlines()[0]}"))

    def _on_top(self, key: tuple, result) -> None:
        self._top[key] = result
        if key == (self._stamp(), self.current_layer()):
            self.detail.set_top_images(top_items(result, self.grid.current()))

    def _display_changed(self, stretched: bool, cmap: str) -> None:
        self.grid.set_display(stretched=stretched, cmap=cmap)
        self.context.settings.setValue("gallery/stretched", stretched)
        self.context.settings.setValue("gallery/cmap", cmap)

    def open_export(self) -> None:
        from faceviz_gui.gui.pages.gallery.export_dialog import ExportDialog
        dlg = ExportDialog(self.context, self, run=self.run,
                           layers=[self.current_layer()] if self.current_layer() else None)
        dlg.set_steps(self.steps)
        dlg.open()

    def shutdown(self) -> None:
        """The window is closing: stop rendering (the main window calls this)."""
        self.render_slot.cancel()
        self.top_slot.cancel()
        self.peek_slot.cancel()

    def closeEvent(self, e) -> None:
        self.shutdown()
        super().closeEvent(e)


def _bool(v) -> bool:
    return v is True or str(v).lower() in ("true", "1", "yes")
