"""Shared fixtures. Every test gets its own FACEVIZ_HOME, so nothing touches the user's data."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import torch

# Two cores shared with the rest of the suite; one thread keeps runs reproducible and fair.
torch.set_num_threads(1)

# Helpers that tests in several folders import by plain name (live_helpers, analysis_shots).
sys.path.insert(0, str(Path(__file__).parent / "helpers"))


@pytest.fixture(autouse=True)
def faceviz_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "faceviz-home"
    monkeypatch.setenv("FACEVIZ_HOME", str(home))
    monkeypatch.delenv("FACEVIZ_DATA", raising=False)
    return home


@pytest.fixture(scope="session")
def cmu_dir() -> Path:
    d = os.environ.get("FACEVIZ_CMU_DIR")
    if not d or not Path(d).is_dir():
        pytest.skip("FACEVIZ_CMU_DIR is not set to the CMU faces folder")
    return Path(d)


@pytest.fixture(scope="session")
def synthetic_small():
    """A small synthetic FaceSet at 32x30: 8 people, every pose, expression and eyes."""
    from faceviz_gui.core.data.synth import synthetic_faceset
    return synthetic_faceset(scale=4, n_people=8, seed=0)


@pytest.fixture(scope="session")
def tiny_spec():
    """experiment0's architecture at 32x30, a few epochs: trains in seconds."""
    from faceviz_gui.core.training.specs import find_spec
    spec = find_spec("experiment0")
    spec = spec.copy(scale=4)
    spec.train.epochs = 3
    spec.train.batch_size = 32
    return spec


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, synthetic_small, tiny_spec):
    """A finished run of the tiny spec on synthetic faces, shared by the analysis tests."""
    from faceviz_gui.core.training.fit import fit
    root = tmp_path_factory.mktemp("runs")
    result = fit(tiny_spec, synthetic_small, runs_root=root, device="cpu")
    return result.run
