"""The wheel carries every subpackage, the seven experiments and resources/."""
from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "faceviz_gui").rglob("__init__.py")}
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages"


@pytest.mark.slow
def test_wheel_ships_models_and_resources(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("faceviz-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for spec in ("experiment0", "ex1-1", "ex1-2", "ex1-3", "ex1-4", "ex1-5", "ex1-6"):
        assert f"faceviz_gui/models/{spec}.toml" in names
    resources = [n for n in names if n.startswith("faceviz_gui/resources/")]
    on_disk = [p for p in (ROOT / "resources").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert len(resources) >= len(on_disk) > 0
    assert any(n.startswith("faceviz_gui/gui/widgets/") for n in names)
