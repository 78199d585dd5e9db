"""Fixtures of the hostile-input tests: the CLI run in-process, a snapshot of a folder tree to
prove nothing outside the expected folder changed, and one small trained run to damage."""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from faceviz_gui.cli import main


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` (links not followed): kind, size and mtime."""
    out = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            p = os.path.join(folder, name)
            st = os.lstat(p)
            out[os.path.relpath(p, root)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def changed(before: dict, after: dict) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


@pytest.fixture
def cli(capsys):
    """``cli(*argv) -> (rc, out, err)``, argparse exits included."""
    def run(*argv):
        try:
            rc = main([str(a) for a in argv])
        except SystemExit as exc:
            rc = exc.code
        out, err = capsys.readouterr()
        return rc, out, err
    return run


@pytest.fixture
def refused(cli, tmp_path):
    """``refused(*argv, allowed=(), words=()) -> err``: exit 2, one line on stderr naming the
    problem, and nothing changed under tmp_path except below the ``allowed`` folders (and the
    folders on the way to them). ``progress=True``: stderr may hold progress lines before it."""
    def check(*argv, allowed=(), words=(), root=None, progress=False):
        root = Path(root or tmp_path)
        before = snapshot(root)
        rc, out, err = cli(*argv)
        assert rc == 2, (rc, out, err)
        lines = err.strip().splitlines()
        if progress:  # a command that reports progress on stderr: the error is its last line
            assert err.count("faceviz: error: ") == 1 and lines[-1].startswith("faceviz: error: ")
            lines = lines[-1:]
        assert len(lines) == 1 and lines[0].startswith("faceviz: error: "), err
        assert "Traceback" not in err
        for w in words:
            assert w in err, (w, err)
        keep = [os.path.relpath(a, root) for a in allowed]
        after = snapshot(root)
        moved = {c for c in changed(before, after)
                 if not any(c == k or c.startswith(k + os.sep) for k in keep)
                 and not (any(k.startswith(c + os.sep) for k in keep)    # a folder on the way
                          and c in after and stat.S_ISDIR(after[c][0]))}
        assert not moved, moved
        return err
    return check


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, synthetic_small):
    """A finished one-epoch experiment0 run at 32x30, trained once; copy it before harming."""
    from faceviz_gui.core.training.fit import fit
    from faceviz_gui.core.training.specs import find_spec
    spec = find_spec("experiment0").copy(scale=4)
    spec.train.epochs = 1
    root = tmp_path_factory.mktemp("hostile-runs")
    return fit(spec, synthetic_small, runs_root=root, device="cpu").run.path


@pytest.fixture
def run_copy(trained_run, tmp_path):
    """A private copy of the trained run in ``tmp_path/runs``."""
    dest = tmp_path / "runs" / trained_run.name
    shutil.copytree(trained_run, dest)
    return dest
