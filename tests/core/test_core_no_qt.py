"""faceviz_gui.core runs headless: every module imports with Qt made unimportable."""
from __future__ import annotations

import os
import subprocess
import sys

CHILD = r'''
import importlib, pkgutil, sys

class NoQt:
    """A meta-path finder that refuses Qt, as a machine without it would."""
    blocked = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6")

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.blocked:
            raise ImportError(f"{name} is blocked in this test")
        return None

sys.meta_path.insert(0, NoQt())
import faceviz_gui.core as core
names = sorted(m.name for m in pkgutil.walk_packages(core.__path__, "faceviz_gui.core."))
for name in names:
    importlib.import_module(name)
import faceviz_gui.cli.train_cmds  # the training CLI is headless too
leaked = [m for m in sys.modules if m.split(".")[0] in NoQt.blocked]
assert not leaked, leaked
print(len(names), "modules:", " ".join(names))
'''


def test_core_imports_without_qt():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "training.fit" in proc.stdout and "training.evaluation" in proc.stdout


def test_the_blocker_really_blocks():
    """The same finder makes a Qt import fail, so the test above can fail."""
    child = CHILD.split("import faceviz_gui.core")[0] + "import PySide6.QtCore\n"
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode != 0 and "blocked" in proc.stderr
