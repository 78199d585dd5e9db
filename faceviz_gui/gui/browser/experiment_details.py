"""An experiment at a glance: task, input size, output, and the architecture table."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from faceviz_gui.core.training.specs import ExperimentSpec, is_builtin

_arch_cache: dict[tuple[str, float], list] = {}
# Short type names: four columns must fit a narrow dock.
SHORT_KIND = {"conv2d": "conv", "max_pooling2d": "max pool", "flatten": "flatten",
              "dense": "dense", "dropout": "dropout", "global_average_pooling2d": "avg pool"}


def architecture(spec: ExperimentSpec) -> list:
    """nets.layer_info() for the spec, cached by file and modification time (needs torch)."""
    key = (spec.source, _mtime(spec.source))
    if key not in _arch_cache or not spec.source:
        from faceviz_gui.core.training.nets import build_model
        _arch_cache[key] = build_model(spec, seed=0).layer_info()
    return _arch_cache[key]


def _mtime(path: str) -> float:
    try:
        return Path(path).stat().st_mtime
    except OSError:
        return 0.0


class ExperimentDetails(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.title = QLabel()
        self.title.setProperty("role", "title")
        # The hypothesis can run to ten lines: a few show, the rest scroll, none are clipped.
        self.description = QTextBrowser()
        self.description.setProperty("role", "subtitle")
        self.description.setFrameShape(QFrame.Shape.NoFrame)
        self.description.viewport().setAutoFillBackground(False)
        self.description.setMaximumHeight(self.fontMetrics().lineSpacing() * 5 + 8)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.fields = {k: QLabel() for k in ("Task", "Input", "Output", "Training", "Parameters",
                                             "Spec")}
        for k, label in self.fields.items():
            label.setWordWrap(True)
            form.addRow(k + ":", label)
        self.fields["Spec"].setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Layer", "Type", "Output", "Params"])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setToolTip("The architecture: Keras-style layer names, output shape "
                              "(channels×height×width or units) and parameter count")
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.title)
        layout.addWidget(self.description)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        self.spec: ExperimentSpec | None = None

    def show_spec(self, spec: ExperimentSpec, core_ready: bool) -> None:
        self.spec = spec
        self.title.setText(spec.name)
        self.description.setPlainText(spec.description or "")
        self.description.setVisible(bool(spec.description))
        h, w = spec.input_size
        learned = spec.learned_task != spec.task
        self.fields["Task"].setText(f"{spec.task}: {' / '.join(spec.classes)}"
                                    + (f" (learns {spec.learned_task})" if learned else ""))
        self.fields["Task"].setToolTip(
            f"Trained on the {spec.learned_task} labels ({' / '.join(spec.unit_classes)}); "
            f"answers {spec.task} by adding up their probabilities" if learned else "")
        self.fields["Input"].setText(f"{w}×{h} grey (scale {spec.scale})")
        self.fields["Output"].setText(f"{spec.output_activation}, {spec.loss} loss")
        t = spec.train
        self.fields["Training"].setText(f"{t.epochs} epochs, batch {t.batch_size}, "
                                        f"{t.optimizer} lr {t.learning_rate:g}"
                                        + (f" ({t.schedule})" if t.schedule != "constant" else ""))
        where = "built in" if spec.source and is_builtin(Path(spec.source)) else "yours"
        self.fields["Spec"].setText(f"{where}: {Path(spec.source).name}" if spec.source else where)
        self.fields["Spec"].setToolTip(spec.source)
        if core_ready:
            self._fill_table(spec)
        else:
            self.table.setRowCount(0)
            self.fields["Parameters"].setText("counting once torch has loaded…")

    def _fill_table(self, spec: ExperimentSpec) -> None:
        try:
            info = architecture(spec)
        except Exception as exc:  # a spec that validates but does not build: say so
            self.table.setRowCount(0)
            self.fields["Parameters"].setText(f"cannot build: {exc}")
            return
        self.table.setRowCount(len(info))
        for i, layer in enumerate(info):
            kind = SHORT_KIND.get(layer.kind, layer.kind) + (f" {layer.activation}"
                                                             if layer.activation else "")
            cells = [layer.name, kind, "×".join(map(str, layer.output_shape)), f"{layer.params:,}"]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{layer.name}: {layer.kind}"
                                + (f", {layer.activation}" if layer.activation else "")
                                + f", output {cells[2]}, {layer.params:,} parameters")
                if j == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)
        total = sum(l.params for l in info)
        self.fields["Parameters"].setText(f"<b>{total:,}</b> in {len(info)} layers")
