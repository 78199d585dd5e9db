"""Where FaceViz keeps things: the user data dir unless FACEVIZ_HOME says otherwise.

Also the one containment rule: ``inside(root, *parts)`` joins a name from outside (an archive
member, a spec name) under ``root`` and refuses any result that would land elsewhere.
"""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from faceviz_gui.core.errors import FaceVizError, shown


def _folder(path: Path, what: str) -> Path:
    """``path`` if it is a folder or does not exist yet; one line if a file is in the way."""
    if path.exists() and not path.is_dir():
        raise FaceVizError(f"{what} {shown(path)} is not a folder")
    for parent in path.parents:  # a path under a file can never be created
        if parent.exists():
            if not parent.is_dir():
                raise FaceVizError(f"{what} {shown(path)} is under {shown(parent)}, "
                                   "which is a file")
            break
    return path


def user_home() -> Path:
    """Root for runs, user experiments, caches and imported data."""
    env = os.environ.get("FACEVIZ_HOME")
    if env:
        return _folder(Path(env), "FACEVIZ_HOME")
    return Path(platformdirs.user_data_dir("faceviz", appauthor=False))


def runs_dir(override: str | os.PathLike | None = None) -> Path:
    """``--runs DIR`` wins, else FACEVIZ_HOME/runs, else the user data dir's runs/."""
    if override:
        return _folder(Path(override), "runs folder")
    return _folder(user_home() / "runs", "runs folder")


def data_dir() -> Path:
    """Downloaded or imported data sets and the generated synthetic set."""
    return user_home() / "data"


def cache_dir() -> Path:
    return user_home() / "cache"


def inside(root: str | os.PathLike, *parts: str) -> Path:
    """``root / parts`` resolved, refused unless it stays under ``root`` (zip-slip, ``..``,
    absolute parts, links pointing out)."""
    base = Path(root).resolve()
    target = base.joinpath(*parts).resolve()
    if target == base or not target.is_relative_to(base):
        raise FaceVizError(f"{shown('/'.join(parts))} would land outside {shown(base)}")
    return target
