"""A small run on a written synthetic folder, so prune and export can reload its data by path."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="package")
def folder_run(tmp_path_factory, tiny_spec):
    """tiny_spec trained 3 epochs on 6 written synthetic people (32x30); its status records
    the folder, as a CLI-trained run's does."""
    from faceviz_gui.core.data.sources import load_source
    from faceviz_gui.core.data.synth import write_synthetic
    from faceviz_gui.core.training.fit import fit
    folder = write_synthetic(tmp_path_factory.mktemp("data") / "faces", n_people=6, seed=3)
    data = load_source(str(folder), tiny_spec.scale)
    root = tmp_path_factory.mktemp("prune-runs")
    return fit(tiny_spec, data, runs_root=root, device="cpu", source=str(folder)).run
