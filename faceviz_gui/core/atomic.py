"""Atomic file writes: a reader (or a SIGKILL) never sees a half-written file."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable


def write_with(path: str | os.PathLike, writer: Callable[[Path], None],
               fsync: bool = True) -> Path:
    """Call ``writer(tmp_path)`` on a temporary file beside ``path``, fsync, then rename.

    ``fsync=False`` keeps whole-or-absent (the rename) but not durability across a power cut:
    for hundreds of small regenerable files, where each fsync costs more than the write."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        writer(tmp_path)
        if fsync:
            with open(tmp_path, "rb+") as f:
                os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def write_bytes(path: str | os.PathLike, data: bytes, fsync: bool = True) -> Path:
    return write_with(path, lambda p: p.write_bytes(data), fsync=fsync)


def write_text(path: str | os.PathLike, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    return write_text(path, json.dumps(obj, indent=1, sort_keys=True) + "\n")
