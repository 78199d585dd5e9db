"""Errors a user can cause. The CLI prints them as one line and exits 2; the GUI shows them in
a message. Anything else escaping the core is a bug and keeps its traceback.

Every message is one line, whatever it wraps: a torch or tarfile error text with newlines in
it is folded here, in one place, so neither the CLI nor the app ever shows a wall of text.
"""
from __future__ import annotations

import os


def one_line(text: object) -> str:
    """``text`` on one line: lines joined with "; ", runs of blanks collapsed."""
    lines = [" ".join(line.split()) for line in str(text).splitlines()]
    return "; ".join(line for line in lines if line)


def shown(path: object) -> str:
    """A path or name safe to print or write as UTF-8: bytes that are not UTF-8 (a file name
    from another system) become ``\\xNN`` escapes instead of an encoding error."""
    if isinstance(path, bytes):
        return path.decode("utf-8", "backslashreplace")
    text = os.fspath(path) if isinstance(path, os.PathLike) else str(path)
    if isinstance(text, bytes):
        return text.decode("utf-8", "backslashreplace")
    try:
        raw = text.encode("utf-8", "surrogateescape")   # the bytes the name had on disk
    except UnicodeEncodeError:                          # a surrogate no file name makes
        raw = text.encode("utf-8", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace")


class FaceVizError(Exception):
    """A user-facing error: bad path, bad spec, bad file, empty data set."""

    def __str__(self) -> str:
        return shown(one_line(super().__str__()))


class SpecError(FaceVizError):
    """A spec that does not validate; names the file and the field at fault."""

    def __init__(self, source: str, field: str, message: str) -> None:
        self.source = source
        self.field = field
        self.message = message
        super().__init__(f"{source}: {field}: {message}")

    def __reduce__(self):  # pickles whole, for jobs run in another process
        return (type(self), (self.source, self.field, self.message))


class DataError(FaceVizError):
    """A data set that cannot be used (missing folder, nothing readable in it)."""


class RunError(FaceVizError):
    """A run that cannot be used (unknown id, missing weights, incompatible runs)."""


class FileAccessError(FaceVizError):
    """A file or folder that cannot be read or written: names it and says why in one line."""

    def __init__(self, path: object, action: str, reason: object) -> None:
        self.path = path
        self.reason = reason.strerror if isinstance(reason, OSError) and reason.strerror \
            else reason
        self.action = action
        super().__init__(f"cannot {action} {shown(path)}: {self.reason}")

    def __reduce__(self):
        return (FileAccessError, (self.path, self.action, self.reason))
