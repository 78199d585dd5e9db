"""Safe file reading: the one rule for opening a file a user (or an archive) pointed at.

Only regular files are read, and only up to a size checked before reading: a FIFO named
``x.png`` would block forever, a ``.pgm`` linked to /dev/zero or a 100 GB sparse file would
be read until memory runs out. The file is opened non-blocking and checked again on the open
descriptor (fstat), so swapping the file between the check and the read changes nothing.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from faceviz_gui.core.errors import FileAccessError, shown

MiB = 1024 * 1024
MAX_JSON = 64 * MiB   # status, eval, cache entries: a few KB each in practice
MAX_TEXT = 4 * MiB    # spec files


class RefusedFile(FileAccessError):
    """A file that is not read: special, too large, missing or unreadable (``reason`` says)."""

    def __init__(self, path: object, reason: object) -> None:
        super().__init__(path, "read", reason)

    def __reduce__(self):
        return (RefusedFile, (self.path, self.reason))


def kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _check(path: object, st: os.stat_result, max_bytes: int) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise RefusedFile(path, f"{kind_of(st.st_mode)}, not a regular file")
    if st.st_size > max_bytes:
        raise RefusedFile(path, f"too large ({st.st_size:,} bytes; limit {max_bytes:,})")


def file_problem(path: str | os.PathLike, max_bytes: int) -> str | None:
    """Why ``path`` will not be read (special file, too large, missing), or None. Follows
    links, so a link to a regular file is fine and a link to /dev/zero is not."""
    try:
        _check(path, os.stat(path), max_bytes)
    except RefusedFile as exc:
        return str(exc.reason)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def read_bytes(path: str | os.PathLike, max_bytes: int) -> bytes:
    """The whole of a regular file no larger than ``max_bytes``, else RefusedFile."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise RefusedFile(path, exc) from None
    try:
        _check(path, os.fstat(fd), max_bytes)
        os.set_blocking(fd, True)
        chunks, left = [], max_bytes + 1
        while left > 0:
            block = os.read(fd, min(left, 16 * MiB))
            if not block:
                break
            chunks.append(block)
            left -= len(block)
        if left <= 0:  # grew while we read it
            raise RefusedFile(path, f"too large (more than {max_bytes:,} bytes)")
        return b"".join(chunks)
    except OSError as exc:
        if isinstance(exc, RefusedFile):
            raise
        raise RefusedFile(path, exc) from None
    finally:
        os.close(fd)


def read_text(path: str | os.PathLike, max_bytes: int = MAX_TEXT) -> str:
    data = read_bytes(path, max_bytes)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise RefusedFile(path, "not UTF-8 text") from None


def read_json(path: str | os.PathLike, max_bytes: int = MAX_JSON) -> Any:
    """Parsed JSON of a regular file, or RefusedFile saying why not (binary, not JSON)."""
    text = read_text(path, max_bytes)
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise RefusedFile(path, f"not valid JSON ({exc})") from None


def regular_files(root: str | os.PathLike) -> list[Path]:
    """Every regular file under ``root`` (links to regular files included), sorted; special
    files and links to them are left out, and links to folders are not followed (no loops)."""
    out = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in files:
            p = Path(folder, name)
            try:
                if stat.S_ISREG(os.stat(p).st_mode):
                    out.append(p)
            except OSError:
                continue
    return sorted(out)


__all__ = ["MAX_JSON", "MAX_TEXT", "RefusedFile", "file_problem", "kind_of", "read_bytes",
           "read_json", "read_text", "regular_files", "shown"]
