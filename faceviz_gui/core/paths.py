"""Where FaceViz keeps things: the user data dir unless FACEVIZ_HOME says otherwise."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def user_home() -> Path:
    """Root for runs, user experiments, caches and imported data."""
    env = os.environ.get("FACEVIZ_HOME")
    return Path(env) if env else Path(platformdirs.user_data_dir("faceviz", appauthor=False))


def runs_dir(override: str | os.PathLike | None = None) -> Path:
    """``--runs DIR`` wins, else FACEVIZ_HOME/runs, else the user data dir's runs/."""
    return Path(override) if override else user_home() / "runs"


def data_dir() -> Path:
    """Downloaded or imported data sets and the generated synthetic set."""
    return user_home() / "data"


def cache_dir() -> Path:
    return user_home() / "cache"
