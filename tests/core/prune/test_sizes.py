"""Run sizes for the browser: parameters from the spec alone, files, the last export's figures."""
from __future__ import annotations

import pytest

from faceviz_gui.core.prune.sizes import size_texts, spec_params
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.specs import find_spec


@pytest.mark.parametrize("name", ["experiment0", "ex1-1", "ex1-2", "ex1-3", "ex1-4", "ex1-5", "ex1-6"])
@pytest.mark.parametrize("scale", [2, 4])
def test_spec_params_equal_the_built_network(name, scale):
    spec = find_spec(name).copy(scale=scale)
    assert spec_params(spec) == build_model(spec).param_count()


def test_size_texts_of_an_ordinary_run(folder_run):
    texts = size_texts(folder_run)
    assert texts["Parameters"] == f"{build_model(folder_run.spec).param_count():,}"
    assert texts["Files"].startswith("weights ") and texts["Pruned from"] == "–"
