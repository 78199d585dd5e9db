"""The one rule for names that become file or folder names (experiment names, people, test
sets): no path separators, no ``..`` or leading dot, no NUL or control characters, a sane
length. A run folder is ``<name>-<stamp>-<hex>`` (25 more characters), so 100 keeps every
run folder name well under the 255 bytes file systems allow.
"""
from __future__ import annotations

import unicodedata

from faceviz_gui.core.errors import FaceVizError, shown

MAX_NAME = 100


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot name a file or folder, or None when it can."""
    if not isinstance(name, str):
        return f"must be text, got {type(name).__name__} {name!r}"
    if not name.strip():
        return "must not be empty"
    if "\x00" in name:
        return "must not contain a NUL character"
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        return f"must not contain control characters or undecodable bytes: {shown(name)!r}"
    if "/" in name or "\\" in name:
        return f"must not contain / or \\ (it names a folder): {name!r}"
    if name.startswith("."):
        return f"must not start with '.' (hidden or a parent folder): {name!r}"
    if name != name.strip():
        return f"must not start or end with blanks: {name!r}"
    if len(name.encode("utf-8")) > MAX_NAME:
        return f"is too long ({len(name)} characters; at most {MAX_NAME} bytes)"
    return None


def check_name(name: object, what: str) -> str:
    """``name`` if it may name a file or folder, else one FaceVizError naming ``what``."""
    problem = name_problem(name)
    if problem:
        raise FaceVizError(f"the {what} name {problem}")
    return name  # type: ignore[return-value]
