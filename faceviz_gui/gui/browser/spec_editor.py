"""New experiment: a copy of one, edited in a form, validated as you type, saved as TOML.

Validation is specs.from_dict itself, so the form accepts exactly what `faceviz train` does;
the SpecError's field (``layers[2].filters``, ``train.epochs``) picks the widget whose message
line shows the error. Saving writes specs.user_models_dir()/<name>.toml.
"""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from faceviz_gui.core.errors import SpecError
from faceviz_gui.core.training.specs import (
    SCALE_SIZES,
    TASK_CLASSES,
    ExperimentSpec,
    from_dict,
    list_specs,
    user_models_dir,
)
from faceviz_gui.gui.browser.spec_layers import LayerTable, layer_names
from faceviz_gui.gui.context import AppContext

_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_LAYER_FIELD = re.compile(r"^layers\[(\d+)\](?:\.(\w+))?$")


def _dspin(lo: float, hi: float, value: float, decimals: int = 3, step: float = 0.01) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(lo, hi)
    s.setDecimals(decimals)
    s.setSingleStep(step)
    s.setValue(value)
    return s


def _spin(lo: int, hi: int, value: int) -> QSpinBox:
    s = QSpinBox()
    s.setRange(lo, hi)
    s.setValue(value)
    return s


def _combo(items, current) -> QComboBox:
    c = QComboBox()
    for item in items:
        c.addItem(str(item), item)
    c.setCurrentIndex(max(0, c.findData(current)))
    return c


def _row_layout(parent: QVBoxLayout) -> QHBoxLayout:
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    parent.addWidget(holder)
    return row


class SpecEditorDialog(QDialog):
    def __init__(self, base: ExperimentSpec, context: AppContext | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"New experiment from {base.name}")
        self.context = context
        self._base = base.to_dict()  # what the form has no field for is kept from it
        self.saved_path: Path | None = None
        self.spec: ExperimentSpec | None = None
        self.widgets: dict[str, QWidget] = {}
        self.messages: dict[str, QLabel] = {}
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self.validate)

        root = QVBoxLayout(self)
        # Rows of widgets sit in layouts that have their widget from the start: PySide 6.12
        # left a parentless layout's wrapper pointing at freed objects (a crash in a later
        # garbage collection).
        top = _row_layout(root)
        top.addWidget(self._group("Experiment", self._general(base)))
        top.addWidget(self._group("Training", self._training(base)))
        top.addWidget(self._group("Augmentation", self._augment(base)))
        root.addWidget(self._group("Layers", self._layers(base)), 1)
        bottom = _row_layout(root)
        bottom.addWidget(self._group("Data split", self._split(base)), 1)
        bottom.addWidget(self._group("Start from a run (transfer)", self._transfer(base)), 2)
        self.summary = QLabel("")
        self.summary.setProperty("role", "error")
        self.summary.setWordWrap(True)
        root.addWidget(self.summary)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        root.addWidget(self.buttons)
        for w in self.widgets.values():
            for sig in ("textEdited", "currentIndexChanged", "valueChanged", "toggled", "itemChanged"):
                if hasattr(w, sig):
                    getattr(w, sig).connect(self._changed)
                    break
        self.resize(1100, 860)
        self.validate()

    # -- building -------------------------------------------------------------------------
    def _group(self, title: str, inner) -> QGroupBox:
        box = QGroupBox(title)
        if isinstance(inner, QWidget):
            lay = QVBoxLayout(box)
            lay.addWidget(inner)
        else:
            box.setLayout(inner)
        return box

    def _row(self, form: QFormLayout, label: str, key: str, widget: QWidget, tip: str = "") -> None:
        self.widgets[key] = widget
        msg = QLabel("")
        msg.setProperty("role", "error")
        msg.setWordWrap(True)
        msg.hide()
        self.messages[key] = msg
        if tip:
            widget.setToolTip(tip)
        cell = QVBoxLayout()
        cell.setSpacing(1)
        cell.addWidget(widget)
        cell.addWidget(msg)
        form.addRow(label, cell)

    def _general(self, b: ExperimentSpec) -> QFormLayout:
        f = QFormLayout()
        taken = set(list_specs())
        name = f"{b.name}-copy"
        i = 2
        while name in taken:
            name, i = f"{b.name}-copy{i}", i + 1
        self._row(f, "Name", "name", QLineEdit(name), "Also the file name: letters, digits, - _ .")
        desc = QLineEdit(b.description)
        desc.setCursorPosition(0)  # its beginning, not the end of a long line
        self._row(f, "Description", "description", desc, "One line: what changes")
        self._row(f, "Task", "task", _combo(TASK_CLASSES, b.task), "What the network predicts")
        self._row(f, "Input", "scale", _combo(SCALE_SIZES, b.scale), "Image scale: 1 = 128×120, "
                  "2 = 64×60, 4 = 32×30")
        scale = self.widgets["scale"]
        for i, (s, (h, w)) in enumerate(SCALE_SIZES.items()):
            scale.setItemText(i, f"{w}×{h} (scale {s})")
        self._row(f, "Output", "output_activation", _combo(("softmax", "linear"), b.output_activation),
                  "softmax for cross-entropy; linear for MSE (ex1-6)")
        self._row(f, "Loss", "loss", _combo(("crossentropy", "mse"), b.loss))
        return f

    def _training(self, b: ExperimentSpec) -> QFormLayout:
        f, t = QFormLayout(), b.train
        self._row(f, "Epochs", "train.epochs", _spin(0, 10000, t.epochs))
        self._row(f, "Batch size", "train.batch_size", _spin(0, 4096, t.batch_size))
        self._row(f, "Learning rate", "train.learning_rate", _dspin(0, 10, t.learning_rate, 5, 0.0001))
        self._row(f, "Optimizer", "train.optimizer", _combo(("adam", "sgd"), t.optimizer))
        self._row(f, "Seed", "train.seed", _spin(0, 2**31 - 1, t.seed), "Same seed, same weights")
        return f

    def _augment(self, b: ExperimentSpec) -> QFormLayout:
        f, a = QFormLayout(), b.augment
        self._row(f, "Shift", "augment.shift", _dspin(0, 1, a.shift), "Random shift, fraction of the size")
        self._row(f, "Scale", "augment.scale", _dspin(0, 1, a.scale), "Random zoom, ± fraction")
        self._row(f, "Rotate", "augment.rotate", _dspin(0, 180, a.rotate, 1, 1), "± degrees")
        self._row(f, "Brightness", "augment.brightness", _dspin(0, 1, a.brightness))
        self._row(f, "Contrast", "augment.contrast", _dspin(0, 1, a.contrast))
        flip = QCheckBox("mirror (left ↔ right)")
        flip.setChecked(a.flip)
        self._row(f, "Flip", "augment.flip", flip, "Mirror images at random; the left and right "
                  "labels swap with them")
        return f

    def _layers(self, b: ExperimentSpec) -> QVBoxLayout:
        lay = QVBoxLayout()
        self.layers = LayerTable()
        self.layers.set_layers(b.layers)
        self.layers.changed.connect(self._changed)
        self.layers.changed.connect(self._refresh_freeze)
        buttons_row = QWidget()
        row = QHBoxLayout(buttons_row)
        row.setContentsMargins(0, 0, 0, 0)
        for text, slot, tip in (("Add", self.layers.add_after_selected, "Add a dense layer after the selected one"),
                                ("Remove", self.layers.remove_selected, "Remove the selected layer"),
                                ("Up", lambda: self.layers.move_selected(-1), "Move the selected layer up"),
                                ("Down", lambda: self.layers.move_selected(1), "Move the selected layer down")):
            btn = QPushButton(text)
            btn.setToolTip(tip)
            btn.clicked.connect(slot)
            row.addWidget(btn)
        row.addStretch(1)
        self.layers_message = QLabel("")
        self.layers_message.setProperty("role", "error")
        self.layers_message.setWordWrap(True)
        self.messages["layers"] = self.layers_message
        lay.addWidget(self.layers, 1)
        lay.addWidget(self.layers_message)
        lay.addWidget(buttons_row)
        return lay

    def _split(self, b: ExperimentSpec) -> QFormLayout:
        f, s = QFormLayout(), b.split
        self._row(f, "Kind", "split.kind", _combo(("random", "people"), s.kind),
                  "random: by image; people: whole people held out for testing")
        self._row(f, "Test fraction", "split.test_fraction", _dspin(0, 1, s.test_fraction, 2))
        self._row(f, "Validation fraction", "split.val_fraction", _dspin(0, 1, s.val_fraction, 2))
        return f

    def _transfer(self, b: ExperimentSpec) -> QFormLayout:
        f = QFormLayout()
        runs = QComboBox()
        runs.addItem("(none: random initial weights)", "")
        if self.context is not None and self.context.core_ready:
            from faceviz_gui.core.training.runs import list_runs
            for r in reversed(list_runs(self.context.runs_root)):
                if r.has_weights:
                    runs.addItem(f"{r.id} ({r.state})", str(r.path))
        runs.setCurrentIndex(max(0, runs.findData(b.transfer.from_run)))
        self._row(f, "Start from", "transfer.from_run", runs,
                  "Copy the weights of layers whose names and shapes match from this run")
        self.freeze = QListWidget()
        self.freeze.setFlow(QListWidget.Flow.LeftToRight)
        self.freeze.setWrapping(True)
        # wrapped to the list's width (never a sideways scroll bar), three lines tall
        self.freeze.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.freeze.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.freeze.setSpacing(2)
        self.freeze.setFixedHeight(3 * (self.freeze.fontMetrics().height() + 8) + 6)
        self._frozen = set(b.transfer.freeze)
        self._row(f, "Freeze", "transfer.freeze", self.freeze, "Layers kept fixed while training")
        self._refresh_freeze()
        return f

    def _refresh_freeze(self) -> None:
        checked = self._frozen if self.freeze.count() == 0 else self.frozen_layers()
        self.freeze.blockSignals(True)
        self.freeze.clear()
        for name in layer_names([_Layer(d) for d in self.layers.layers()]):
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in checked else Qt.CheckState.Unchecked)
            self.freeze.addItem(item)
        self.freeze.blockSignals(False)

    def frozen_layers(self) -> list[str]:
        return [self.freeze.item(i).text() for i in range(self.freeze.count())
                if self.freeze.item(i).checkState() == Qt.CheckState.Checked]

    # -- values and validation ------------------------------------------------------------
    def value(self, key: str):
        w = self.widgets[key]
        if isinstance(w, QLineEdit):
            return w.text().strip()
        if isinstance(w, QComboBox):
            return w.currentData()
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QListWidget):
            return self.frozen_layers()
        return w.value()

    def to_dict(self) -> dict:
        d: dict = {"layers": self.layers.layers()}
        for key in self.widgets:
            section, _, field = key.rpartition(".")
            target = d.setdefault(section, {}) if section else d
            target[field] = self.value(key)
        # Settings the form shows no field for ([preprocess], backdrop and gamma
        # augmentation, ...) stay as in the spec it started from, never silently dropped.
        for section, values in self._base.items():
            if isinstance(values, dict):
                for field, value in values.items():
                    if f"{section}.{field}" not in self.widgets:
                        d.setdefault(section, {}).setdefault(field, value)
        return d

    def _changed(self, *_):
        self._timer.start()

    def validate(self) -> bool:
        """Check the form; show the message next to the field at fault. True if it is valid."""
        for msg in self.messages.values():
            msg.clear()
            msg.hide()
        self.layers.mark(None, None)
        self.spec = None
        try:
            self._check_name()
            spec = from_dict(self.to_dict(), "<new experiment>")
        except SpecError as exc:
            self.show_error(exc.field, exc.message)
            self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
            return False
        self.spec = spec
        self.summary.setText("")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(True)
        return True

    def _check_name(self) -> None:
        name = self.value("name")
        if not name:
            raise SpecError("<new experiment>", "name", "give the experiment a name")
        if not _NAME_OK.match(name):
            raise SpecError("<new experiment>", "name", "use letters, digits, '-', '_' and '.' only")
        if name in list_specs():
            raise SpecError("<new experiment>", "name", f"an experiment called {name!r} exists")
        if self.frozen_layers() and not self.value("transfer.from_run"):
            raise SpecError("<new experiment>", "transfer.freeze",
                            "frozen layers keep their initial weights: choose a run to start from")

    def show_error(self, field: str, message: str) -> None:
        m = _LAYER_FIELD.match(field)
        if m:
            row, attr = int(m.group(1)), m.group(2)
            column = {"filters": "size", "units": "size"}.get(attr, attr)
            self.layers.mark(row, column)
            label, text = self.layers_message, f"Layer {row + 1}" + (f", {attr}" if attr else "") + f": {message}"
        else:
            key = field if field in self.messages else field.split(".")[0]
            label = self.messages.get(key) or self.messages.get(field.split("[")[0])
            text = message
        if label is None:
            label, text = self.summary, f"{field}: {message}"
        label.setText(text)
        label.show()
        self.summary.setText("" if label is self.summary else "Fix the field marked in red to save.")
        if label is self.summary:
            self.summary.setText(text)

    def message_for(self, field: str) -> str:
        """The message shown next to ``field`` (tests and accessibility)."""
        m = _LAYER_FIELD.match(field)
        label = self.layers_message if m or field == "layers" else self.messages.get(field)
        return label.text() if label is not None and not label.isHidden() else ""

    def save(self) -> None:
        self._timer.stop()
        if not self.validate():
            return
        folder = user_models_dir()
        path = self.spec.save(folder / f"{self.spec.name}.toml")
        self.saved_path = path
        if self.context is not None:
            self.context.show_status(f"Saved {path}", 6000)
        self.accept()


class _Layer:
    """Just enough of a LayerSpec for layer_names(): its type."""
    def __init__(self, d: dict):
        self.type = d["type"]
