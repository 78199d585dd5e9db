"""Which face finder to use: FACEVIZ_FACE_FINDER, "haar" (default) or "centerface".

Its own module, free of OpenCV and numpy, so the CLI can offer the choice without paying
for those imports on every command; faces.new_detector makes the finder it names.
"""
from __future__ import annotations

import os

FINDER_ENV = "FACEVIZ_FACE_FINDER"
FINDERS = ("haar", "centerface")


def chosen() -> str:
    """The finder's name as set (lower case), "haar" when unset; unchecked."""
    return (os.environ.get(FINDER_ENV) or "haar").strip().lower()


def choose(name: str) -> None:
    os.environ[FINDER_ENV] = name
