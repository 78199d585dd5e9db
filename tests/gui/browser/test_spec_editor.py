"""The new-experiment form: specs.from_dict validates it, the message sits next to the field
at fault, and Save writes a TOML file that loads back as the same spec."""
from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from faceviz_gui.core.training.specs import find_spec, load_spec, user_models_dir
from faceviz_gui.gui.browser.spec_editor import SpecEditorDialog


def editor(qtbot, base="experiment0") -> SpecEditorDialog:
    d = SpecEditorDialog(find_spec(base))
    qtbot.addWidget(d)
    d.show()
    return d


def save_enabled(d) -> bool:
    return d.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()


def test_copy_of_a_builtin_is_valid_and_named_new(qtbot):
    d = editor(qtbot)
    assert d.validate() and save_enabled(d)
    assert d.value("name") == "experiment0-copy"


def test_bad_layer_field_message_next_to_the_table(qtbot):
    d = editor(qtbot)
    d.layers.cell(2, "size").setValue(0)        # conv2d_2 with no filters
    assert not d.validate() and not save_enabled(d)
    assert d.message_for("layers[2].filters") == "Layer 3, filters: must be positive; got 0"
    assert "#b42318" in d.layers.cell(2, "size").styleSheet()
    d.layers.cell(2, "size").setValue(32)
    assert d.validate() and d.message_for("layers[2].filters") == ""
    assert d.layers.cell(2, "size").styleSheet() == ""


def test_messages_for_training_name_and_loss_fields(qtbot):
    d = editor(qtbot)
    d.widgets["train.epochs"].setValue(0)
    assert not d.validate()
    assert d.message_for("train.epochs") == "must be positive; got 0"
    assert d.message_for("name") == ""
    d.widgets["train.epochs"].setValue(5)
    d.widgets["name"].setText("ex1-3")          # a built-in's name
    assert not d.validate() and "exists" in d.message_for("name")
    d.widgets["name"].setText("mine")
    d.widgets["output_activation"].setCurrentText("linear")  # linear + crossentropy: no
    assert not d.validate() and "softmax" in d.message_for("loss")
    d.widgets["loss"].setCurrentText("mse")
    assert d.validate()


def test_collapsing_architecture_is_reported_on_its_layer(qtbot):
    d = editor(qtbot)
    d.widgets["scale"].setCurrentIndex(2)         # 32x30: three valid 5x5 convs do not fit
    for row in (0, 2, 4):
        d.layers.cell(row, "kernel").setValue(7)
    assert not d.validate()
    assert "collapses" in d.message_for("layers")


def test_save_writes_toml_that_loads_back(qtbot):
    d = editor(qtbot, "ex1-4")
    d.widgets["name"].setText("pose-flip")
    d.widgets["augment.flip"].setChecked(True)
    d.widgets["train.epochs"].setValue(7)
    d.layers.add_after_selected()                # a dense 64 at the end
    d.save()
    path = user_models_dir() / "pose-flip.toml"
    assert d.saved_path == path and path.is_file()
    spec = load_spec(path)
    assert spec.task == "pose" and spec.augment.flip and spec.train.epochs == 7
    assert len(spec.layers) == len(find_spec("ex1-4").layers) + 1
    assert find_spec("pose-flip").name == "pose-flip"


def test_nothing_clipped_at_the_dialogs_smallest_size(qtbot):
    """At its minimum size the form still shows the layer types whole ("max_pooling2d" was
    cut), wraps the freeze list instead of scrolling it sideways, and opens the description
    at its beginning."""
    d = editor(qtbot, "ex1-2")
    d.resize(d.minimumSizeHint())
    qtbot.waitUntil(lambda: d.width() <= d.minimumSizeHint().width() + 1)
    kind = d.layers.cell(1, "type")
    assert kind.currentText() == "max_pooling2d"
    assert d.layers.horizontalHeader().sectionSize(0) >= kind.sizeHint().width()
    assert not d.freeze.horizontalScrollBar().isVisible()
    assert d.widgets["description"].cursorPosition() == 0
    assert d.minimumSizeHint().width() <= 900  # fits beside nothing on a 1000-px screen


def test_settings_without_a_field_are_kept_from_the_base(qtbot):
    d = editor(qtbot, "ex2-pose")
    assert d.validate()
    spec = d.spec
    assert spec.preprocess.normalize == "face"
    assert (spec.augment.gamma, spec.augment.background) == (0.7, 0.7)
    assert spec.split.people == ["at33", "choon", "kawamura", "saavik"]
    assert spec.data.synthetic_people == 60
    left = editor(qtbot, "ex2-left")
    assert left.validate() and left.spec.train.labels == "pose"
