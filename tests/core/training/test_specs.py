"""Specs: the seven blog experiments load, and every bad spec names its file and field."""
from __future__ import annotations

import pytest

from faceviz_gui.core.errors import SpecError
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.specs import find_spec, list_specs, load_spec

BLOG = ["experiment0", "ex1-1", "ex1-2", "ex1-3", "ex1-4", "ex1-5", "ex1-6"]

GOOD = """
name = "mine"
task = "left"
scale = 4
[train]
epochs = 2
[[layers]]
type = "conv2d"
filters = 4
[[layers]]
type = "max_pooling2d"
[[layers]]
type = "flatten"
"""


def write(tmp_path, text, name="spec.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def error_of(tmp_path, text) -> SpecError:
    p = write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_spec(p)
    assert str(p) in str(info.value)  # the file is named
    return info.value


def test_the_seven_experiments_load_with_the_blog_decision_layers():
    assert set(BLOG) <= set(list_specs())
    decision = {name: build_model(find_spec(name)).decision_layer for name in BLOG}
    assert decision["experiment0"] == "dense_3"
    assert decision["ex1-2"] == "dense_6"
    assert decision["ex1-5"] == "dense_1"
    assert decision["ex1-1"] == decision["ex1-3"] == decision["ex1-6"] == "dense_3"
    assert find_spec("ex1-4").classes == ("straight", "left", "right", "up")
    ex6 = find_spec("ex1-6")
    assert (ex6.output_activation, ex6.loss) == ("linear", "mse")


def test_ex1_1_has_about_half_the_parameters_of_experiment0():
    base = build_model(find_spec("experiment0")).param_count()
    half = build_model(find_spec("ex1-1")).param_count()
    assert 150_000 < base < 160_000
    assert 0.4 < half / base < 0.55


def test_a_good_spec_loads_and_round_trips(tmp_path):
    spec = load_spec(write(tmp_path, GOOD))
    assert (spec.name, spec.scale, spec.train.epochs, len(spec.layers)) == ("mine", 4, 2, 3)
    again = load_spec(spec.save(tmp_path / "again.toml"))
    assert again.to_dict() == spec.to_dict()


def test_unknown_top_level_key(tmp_path):
    err = error_of(tmp_path, GOOD.replace('task = "left"', 'task = "left"\nlearning = 3'))
    assert err.field == "learning" and "unknown key" in err.message


def test_unknown_key_in_a_section(tmp_path):
    err = error_of(tmp_path, GOOD.replace("epochs = 2", "epochs = 2\nmomentum = 0.9"))
    assert err.field == "train.momentum"


def test_unknown_key_in_a_layer(tmp_path):
    err = error_of(tmp_path, GOOD.replace("filters = 4", "filters = 4\nstride = 2"))
    assert err.field == "layers[0].stride"


def test_wrong_types(tmp_path):
    assert error_of(tmp_path, GOOD.replace("epochs = 2", 'epochs = "two"')).field == "train.epochs"
    assert error_of(tmp_path, GOOD.replace("filters = 4", "filters = 4.5")).field == "layers[0].filters"
    assert error_of(tmp_path, GOOD.replace("scale = 4", "scale = true")).field == "scale"
    assert error_of(tmp_path, GOOD + "\n[augment]\nflip = 1\n").field == "augment.flip"


def test_bad_choices(tmp_path):
    assert error_of(tmp_path, GOOD.replace('task = "left"', 'task = "mood"')).field == "task"
    assert error_of(tmp_path, GOOD.replace("scale = 4", "scale = 3")).field == "scale"
    assert error_of(tmp_path, GOOD.replace('type = "flatten"', 'type = "lstm"')).field == "layers[2].type"
    # cross-entropy (the default loss) needs a softmax output
    err = error_of(tmp_path, GOOD.replace('task = "left"', 'task = "left"\noutput_activation = "linear"'))
    assert err.field == "loss"


def test_shapes_that_collapse_name_the_layer(tmp_path):
    deep = GOOD.replace('[[layers]]\ntype = "flatten"',
                        '[[layers]]\ntype = "conv2d"\nfilters = 4\nkernel = 9\n' * 1
                        + '[[layers]]\ntype = "max_pooling2d"\n' * 3 + '[[layers]]\ntype = "flatten"')
    err = error_of(tmp_path, deep)
    assert err.field.startswith("layers[") and "collapses" in err.message


def test_conv_after_flatten_is_refused(tmp_path):
    err = error_of(tmp_path, GOOD + '\n[[layers]]\ntype = "conv2d"\nfilters = 2\n')
    assert err.field == "layers[3].type"


def test_broken_toml_and_missing_file(tmp_path):
    assert error_of(tmp_path, "name = \n").field == "<toml>"
    with pytest.raises(SpecError, match="cannot read"):
        load_spec(tmp_path / "absent.toml")
    with pytest.raises(SpecError, match="no such experiment"):
        find_spec("experiment-that-is-not")


def test_missing_layers_and_name(tmp_path):
    assert error_of(tmp_path, 'name = "x"\n').field == "layers"
    assert error_of(tmp_path, GOOD.replace('name = "mine"', "")).field == "name"
