"""ComparePanel: did two runs learn the same thing? CKA, matched filters, agreement, verdict.

Pick two runs and press Compare: compare_runs runs in a worker (progress bar, Cancel) on run
A's own test split. The CKA matrix shows as a heat map; clicking a cell shows that layer
pair's one-to-one matched units with their HappyMaps side by side (rendered in a worker;
cached layers come at once), the units without a good partner, and above it all the decision
agreement and the verdict in words.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from faceviz_gui.core.training.runs import Run, list_runs
from faceviz_gui.gui.pages.compare.jobs import compare_job, export_comparison_job, pair_maps_job
from faceviz_gui.gui.pages.compare.pair_grid import PairGrid
from faceviz_gui.gui.pages.compare.verdict_card import VerdictCard
from faceviz_gui.gui.settings import restore_splitters
from faceviz_gui.gui.widgets.elided_label import ElidedLabel
from faceviz_gui.gui.widgets.heatmap_view import HeatmapView
from faceviz_gui.gui.widgets.job_slot import JobSlot
from faceviz_gui.gui.widgets.run_pair_picker import RunPairPicker, run_label
from faceviz_gui.gui.widgets.split_words import run_split, split_words
from faceviz_gui.gui.widgets.wrap_row import WrapRow

NARROW_PX = 900  # below this the matrix goes above the results
NO_RUNS = "No trained runs yet: train an experiment first."
PICK = "pick two and press Compare."
ONE_RUN = "One trained run: train another to compare it with (or compare it with itself)."


class ComparePanel(QWidget):
    def __init__(self, context, parent=None):
        super().__init__(parent)
        self.context = context
        self.comparison = None
        self.compare_slot = JobSlot(self)
        self.maps_slot = JobSlot(self)
        self.export_slot = JobSlot(self)
        self._maps: dict[tuple, object] = {}      # (run path, layer, steps) -> LayerMaps
        self._pair: tuple[str, str] = ("", "")
        self._asked: tuple[str, str] = ("", "")     # run paths of the comparison in flight
        self.runs_compared: tuple[str, str] = ("", "")
        self._build()
        self.refresh_runs()
        restore_splitters(context.settings, [self.splitter])
        context.runsChanged.connect(self.refresh_runs)

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.picker = RunPairPicker(run_label)
        self.combo_a, self.combo_b = self.picker.combo_a, self.picker.combo_b
        self.compare_button = QPushButton("Compare")
        self.compare_button.setDefault(True)
        self.compare_button.setToolTip("Measure how alike the two runs are (Ctrl+Return)")
        self.compare_button.setShortcut("Ctrl+Return")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the CKA matrix (PNG, JSON), the verdict and the matched "
                                      "maps shown so far")
        self.export_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setFixedWidth(180)
        self.progress.setVisible(False)
        # The run picker, then Compare (and its progress), Export at the right; on two lines
        # beside the browser in a 1000-pixel window.
        bar = WrapRow(spacing=12)
        bar.setContentsMargins(0, 0, 0, 0)
        actions = QWidget()
        row = QHBoxLayout(actions)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        for w in (self.compare_button, self.progress, self.cancel_button):
            row.addWidget(w)
        bar.add(self.picker)
        bar.add(actions)
        bar.add(self.export_button, right=True)
        self.bar = bar

        self.heatmap = HeatmapView()
        self.heatmap.clear("Pick two runs and press Compare.\n\nLinear CKA between every "
                           "layer of A and every layer of B appears here: 1 means the layers "
                           "represent the probe images the same way.")

        right = QWidget()
        # Scrolls rather than cuts: the verdict wraps to the width it is given.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(right)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(14, 6, 10, 6)
        rl.setSpacing(8)
        self.summary = VerdictCard()
        self.verdict, self.agreement_value = self.summary.verdict, self.summary.agreement_value
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color: #dde1e6;")
        self.pair_title = QLabel("")
        self.pair_title.setWordWrap(True)
        self.pair_title.setStyleSheet("font-size: 12pt; font-weight: 600; color: #1f2937;")
        self.pairs = PairGrid()
        self.pairs.clear("Click a cell of the CKA matrix to see its layers' units matched "
                         "one to one, their maps side by side.")
        self.unmatched = QLabel("")
        self.unmatched.setWordWrap(True)
        self.unmatched.setStyleSheet("color: #3b4350;")
        self.stretch_box = QCheckBox("Contrast stretch")
        self.stretch_box.setToolTip("Stretch each map to its own full range (as in the gallery)")
        self.stretch_box.setChecked(str(self.context.settings.value("gallery/stretched", True)).lower()
                                    in ("true", "1"))
        self.pairs.set_stretched(self.stretch_box.isChecked())
        self.stretch_box.toggled.connect(self.pairs.set_stretched)
        title_row = QHBoxLayout()
        title_row.addWidget(self.pair_title, 1)
        title_row.addWidget(self.stretch_box, 0, Qt.AlignmentFlag.AlignTop)
        for w in (self.summary, line):
            rl.addWidget(w)
        rl.addLayout(title_row)
        rl.addWidget(self.pairs, 1)
        rl.addWidget(self.unmatched)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.heatmap)
        split.addWidget(scroll)
        scroll.setVisible(False)         # nothing to show until a comparison exists
        self.results = scroll
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([560, 640])
        split.setChildrenCollapsible(False)
        split.setObjectName("compareSplitter")
        self.splitter = split
        self.status = ElidedLabel("")
        self.status.setStyleSheet("color: #5b6472; padding: 2px 12px 6px 12px;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        top = QWidget()
        top_lay = QVBoxLayout(top)
        top_lay.setContentsMargins(10, 8, 10, 6)
        top_lay.addWidget(bar)
        lay.addWidget(top)
        lay.addWidget(split, 1)
        lay.addWidget(self.status)

        self.compare_button.clicked.connect(self.compare)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button.clicked.connect(self._choose_export_folder)
        self.heatmap.cellSelected.connect(self._cell_selected)

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        # Narrow (beside the browser at 1000x700): the CKA matrix above the results, each
        # the full width, so neither its labels nor the verdict are squeezed.
        want = Qt.Orientation.Vertical if self.width() < NARROW_PX else Qt.Orientation.Horizontal
        if self.splitter.orientation() != want:
            self.splitter.setOrientation(want)
            total = self.splitter.height() if want == Qt.Orientation.Vertical else self.splitter.width()
            self.splitter.setSizes([total * 2 // 5, total * 3 // 5] if want == Qt.Orientation.Vertical
                                   else [total * 9 // 20, total * 11 // 20])

    # -- runs ---------------------------------------------------------------------------------
    def refresh_runs(self) -> None:
        runs = [r for r in list_runs(self.context.runs_root) if r.has_weights]
        s = self.context.settings
        self.picker.fill(runs, str(s.value("compare/a", "")), str(s.value("compare/b", "")))
        self.compare_button.setEnabled(bool(runs))
        if not runs:
            self.status.setText(NO_RUNS)
        elif self.status.text() in (NO_RUNS, ONE_RUN, "") or self.status.text().endswith(PICK):
            self.status.setText(ONE_RUN if len(runs) == 1 else
                                f"{len(runs)} trained runs: {PICK}")

    def set_runs(self, path_a: str, path_b: str) -> None:
        self.picker.set_runs(Run(path_a), Run(path_b))

    # -- comparing ------------------------------------------------------------------------------
    def compare(self) -> None:
        a, b = self.picker.paths()
        if not a or not b:
            self.status.setText("Pick two runs first.")
            return
        self._asked = (a, b)
        self.context.settings.setValue("compare/a", a)
        self.context.settings.setValue("compare/b", b)
        self.maps_slot.cancel()
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.compare_button.setEnabled(False)
        self.status.setText("Comparing…")
        self.compare_slot.start(compare_job, self.context, Run(a), Run(b),
                                on_progress=self._on_progress, on_finished=self._on_compared,
                                on_failed=self._on_failed)

    def shutdown(self) -> None:
        """The window is closing: stop comparing and rendering (the main window calls this)."""
        self.compare_slot.cancel()
        self.maps_slot.cancel()
        self.export_slot.cancel()

    def cancel(self) -> None:
        if self.compare_slot.cancel():
            self.status.setText("Comparison cancelled.")
        self._idle()

    def _idle(self) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.compare_button.setEnabled(True)

    def _on_progress(self, r: dict) -> None:
        if r.get("kind") == "progress" and r.get("total"):
            self.progress.setRange(0, int(r["total"]))
            self.progress.setValue(int(r.get("done", 0)))
        if r.get("message"):
            self.status.setText(str(r["message"]))

    def _on_failed(self, msg: str) -> None:
        self._idle()
        self.status.setText(f"Could not compare: {msg.splitlines()[0]}")
        self.context.show_status(f"Compare: {msg.splitlines()[0]}", 8000)

    def _on_compared(self, cmp) -> None:
        self._idle()
        if cmp.stopped:
            self.status.setText("Comparison stopped before it finished.")
            return
        self.comparison = cmp
        self.runs_compared = self._asked
        self.results.setVisible(True)
        self.export_button.setEnabled(True)
        self.heatmap.set_matrix(cmp.cka, cmp.layers_a, cmp.layers_b, title="Linear CKA",
                                row_title=f"A: {cmp.experiment_a}", col_title=f"B: {cmp.experiment_b}")
        a, b = Run(self._asked[0]), Run(self._asked[1])
        self.summary.show_comparison(cmp, split_words(run_split(a)), split_words(run_split(b)))
        self.status.setText(f"Compared {cmp.run_a} with {cmp.run_b}. Click a cell to see its units.")
        first = cmp.layers_a[0]
        partner = cmp.best_partner(first)[0] or cmp.layers_b[0]
        self.heatmap.select(0, cmp.layers_b.index(partner))
        self.heatmap.setFocus()

    # -- one layer pair ---------------------------------------------------------------------------
    def _cell_selected(self, r: int, c: int) -> None:
        cmp = self.comparison
        if cmp is None:
            return
        la, lb = cmp.layers_a[r], cmp.layers_b[c]
        self._pair = (la, lb)
        # Hungarian matching on (probe x units) features: a few ms of numpy, no torch.
        match = cmp.match_units(la, lb)
        run_a, run_b = Run(self.runs_compared[0]), Run(self.runs_compared[1])
        asp = lambda run: run.spec.input_size[0] / run.spec.input_size[1]  # noqa: E731
        names_a = list(run_a.spec.unit_classes) if la == cmp.decision_a else None
        names_b = list(run_b.spec.unit_classes) if lb == cmp.decision_b else None
        self.pairs.set_pairs(match.pairs, match.threshold, asp(run_a), asp(run_b), names_a, names_b)
        self.pair_title.setText(_pair_title_text(cmp, match, r, c))
        self.unmatched.setText(_unmatched_text(match, names_a, names_b, cmp.n_probe))
        self._load_pair_maps(run_a, la, run_b, lb)

    def _load_pair_maps(self, run_a: Run, la: str, run_b: Run, lb: str) -> None:
        steps = int(self.context.settings.value("gallery/steps", 256))
        ka, kb = (str(run_a.path), la, steps), (str(run_b.path), lb, steps)
        for side, key in (("a", ka), ("b", kb)):
            if key in self._maps:
                lm = self._maps[key]
                self.pairs.set_images(side, [m.index for m in lm.maps], [m.image for m in lm.maps])
        if ka in self._maps and kb in self._maps:
            self.maps_slot.cancel()
            return
        self.status.setText(f"Rendering the maps of {la} (A) and {lb} (B)…")
        self.maps_slot.start(pair_maps_job, run_a, la, run_b, lb, steps, self.context.device,
                             on_progress=self._on_map_preview,
                             on_finished=lambda res, ka=ka, kb=kb: self._on_pair_maps(ka, kb, res),
                             on_failed=lambda m: self.status.setText(f"Maps unavailable: {m.splitlines()[0]}"))

    def _on_map_preview(self, r: dict) -> None:
        if r.get("kind") == "preview" and r.get("side") in ("a", "b"):
            self.pairs.set_images(r["side"], r["indices"], r["images"])
        elif r.get("kind") == "progress" and r.get("message"):
            self.status.setText(f"Rendering maps: {r['message']}")

    def _on_pair_maps(self, ka: tuple, kb: tuple, res) -> None:
        lm_a, lm_b = res
        for side, key, lm in (("a", ka, lm_a), ("b", kb, lm_b)):
            if lm is not None and lm.settings.get("complete", True):
                self._maps[key] = lm
            if lm is not None:
                self.pairs.set_images(side, [m.index for m in lm.maps], [m.image for m in lm.maps])
        self.status.setText(f"Maps of {ka[1]} (A) and {kb[1]} (B) shown.")


    # -- export -----------------------------------------------------------------------------
    def _choose_export_folder(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from faceviz_gui.core.paths import user_home
        cmp = self.comparison
        start = str(user_home() / "exports" / f"compare-{cmp.run_a}-vs-{cmp.run_b}")
        folder = QFileDialog.getExistingDirectory(self, "Export the comparison to", start)
        if folder:
            self.export_to(folder)

    def export_to(self, folder: str) -> None:
        """comparison.json, cka.png and side-by-side sheets of the pairs whose maps are loaded."""
        cmp = self.comparison
        if cmp is None:
            return
        a, b = (str(p) for p in self.runs_compared)
        maps_a = [lm for (path, _, _), lm in self._maps.items() if path == a]
        maps_b = [lm for (path, _, _), lm in self._maps.items() if path == b]
        self.export_button.setEnabled(False)
        self.status.setText(f"Exporting the comparison to {folder}…")
        self.export_slot.start(export_comparison_job, cmp, folder, maps_a, maps_b,
                               on_finished=self._on_exported, on_failed=self._on_export_failed)

    def _on_exported(self, files) -> None:
        self.export_button.setEnabled(True)
        self.last_export = [str(f) for f in files]
        folder = str(files[0].parent) if files else ""
        self.status.setText(f"Wrote {len(files)} files to {folder}")
        self.context.show_status(f"Comparison exported to {folder}", 8000)

    def _on_export_failed(self, msg: str) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(f"Could not export: {msg.splitlines()[0]}")


def _pair_title_text(cmp, match, r: int, c: int) -> str:
    """The layer pair, its CKA, and how many of its one-to-one unit pairs match, of what."""
    la, lb = match.layer_a, match.layer_b
    width = lambda feats, layer: feats[layer].shape[1] if layer in feats else "?"  # noqa: E731
    return (f"{la} (A) ↔ {lb} (B)  ·  CKA {cmp.cka[r, c]:.2f}<br><span style='font-size:10pt; "
            f"font-weight:400'>{len(match.good_pairs)} of the {len(match.pairs)} one-to-one unit "
            f"pairs match (correlation r ≥ {match.threshold:.1f}; mean r "
            f"{match.mean_correlation:.2f}). A has {width(cmp.features_a, la)} units, B "
            f"{width(cmp.features_b, lb)}; silent units take no part.</span>")


def _unmatched_text(match, names_a=None, names_b=None, n_probe: int | str = "the") -> str:
    def units(xs, names):
        if not xs:
            return "none"
        s = ", ".join(names[u] if names and u < len(names) else f"#{u}" for u in xs[:24])
        return s + (f" and {len(xs) - 24} more" if len(xs) > 24 else "")
    text = (f"<b>Without a good partner</b> (unique to one run): A {match.layer_a}: "
            f"{units(match.unmatched_a, names_a)}  ·  B {match.layer_b}: "
            f"{units(match.unmatched_b, names_b)}")
    silent_a, silent_b = getattr(match, "silent_a", []), getattr(match, "silent_b", [])
    if silent_a or silent_b:
        text += (f"<br><b>Silent</b>: output constant on all {n_probe} probe images, so not "
                 f"matched (the Gallery's <i>dead</i> is another test: judged by the unit's "
                 f"map). A: {units(silent_a, names_a)}  ·  B: {units(silent_b, names_b)}")
    return text
