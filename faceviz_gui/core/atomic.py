"""Atomic file writes: a reader (or a SIGKILL) never sees a half-written file.

The one place FaceViz writes a file. A file appears whole or not at all (temporary file
beside it, then rename), gets the user's normal mode (0666 less the umask, as ``open`` would
give it; mkstemp's 0600 would hide exports from everyone else), and a write that the file
system refuses (read-only folder, a path under a file, a full disk) is one FileAccessError
naming the file, not a traceback. Temporary files carry their writer's pid; the first write
into a folder removes the ones whose writer is gone (a SIGKILL mid-write leaves one behind).
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

from faceviz_gui.core.errors import FileAccessError, shown
from faceviz_gui.core.locks import owner_alive

_TMP = re.compile(r"^\..*\.(\d+)-[a-z0-9_]{8}\.tmp$")  # .<name>.<pid>-<mkstemp's 8>.tmp
_swept: set[str] = set()
_swept_lock = threading.Lock()


def sweep_stale_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Remove temporaries in ``folder`` whose writer process is gone; once per folder per
    process, so a gallery of hundreds of files scans its folder once."""
    key = os.path.abspath(folder)
    with _swept_lock:
        if key in _swept:
            return []
        _swept.add(key)
    removed = []
    try:
        with os.scandir(folder) as entries:
            for e in entries:
                m = _TMP.match(e.name)
                if m and e.is_file(follow_symlinks=False) and not owner_alive(int(m.group(1))):
                    try:
                        os.unlink(e.path)
                        removed.append(Path(e.path))
                    except OSError:
                        pass
    except OSError:
        pass
    return removed


def _umask() -> int:
    """The process umask, read without changing it where /proc allows (os.umask sets it,
    which is racy with other threads creating files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give a new file."""
    return 0o666 & ~_umask()


def make_dir(folder: str | os.PathLike) -> Path:
    """``folder`` and its parents, or one FileAccessError (a parent is a file, read-only)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise FileAccessError(folder, "create the folder", "a file of that name is in the way") \
            from None
    except OSError as exc:
        raise FileAccessError(folder, "create the folder", exc) from None
    return folder


def check_writable(folder: str | os.PathLike) -> Path:
    """``folder``, created if need be, once a file could be made in it: for commands that
    work minutes before they write, so a read-only output is one line before the work."""
    folder = make_dir(folder)
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise FileAccessError(folder, "write to", exc) from None
    return folder


def write_with(path: str | os.PathLike, writer: Callable[[Path], None],
               fsync: bool = True) -> Path:
    """Call ``writer(tmp_path)`` on a temporary file beside ``path``, fsync, then rename.

    ``fsync=False`` keeps whole-or-absent (the rename) but not durability across a power cut:
    for hundreds of small regenerable files, where each fsync costs more than the write."""
    path = Path(path)
    make_dir(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:200]}.{os.getpid()}-", suffix=".tmp",
                                   dir=path.parent)
    except OSError as exc:
        raise FileAccessError(path, "write", exc) from None
    tmp_path = Path(tmp)
    try:
        os.fchmod(fd, file_mode())
        os.close(fd)
        writer(tmp_path)
        if fsync:
            with open(tmp_path, "rb+") as f:
                os.fsync(f.fileno())
        if path.is_dir():
            raise IsADirectoryError(21, "a folder of that name is in the way")
        os.replace(tmp_path, path)
        sweep_stale_temporaries(path.parent)
    except OSError as exc:
        tmp_path.unlink(missing_ok=True)
        raise FileAccessError(path, "write", exc) from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def write_bytes(path: str | os.PathLike, data: bytes, fsync: bool = True) -> Path:
    return write_with(path, lambda p: p.write_bytes(data), fsync=fsync)


def write_text(path: str | os.PathLike, text: str, fsync: bool = True) -> Path:
    """UTF-8; a name that was not UTF-8 on disk (surrogate escapes) is written as ``\\xNN``."""
    return write_bytes(path, shown(text).encode("utf-8"), fsync=fsync)


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    return write_text(path, json.dumps(obj, indent=1, sort_keys=True) + "\n")
