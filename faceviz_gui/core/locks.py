"""Exclusive locks and owner liveness: one rule for "is someone else working on this?".

``hold(lock_path, busy)`` takes an exclusive ``flock`` on a lock file (a run folder's
``.lock``, a data folder's import lock) without waiting; a second holder gets one line. The
kernel drops the lock when its process dies, however it dies, so a SIGKILLed owner never
leaves a stale lock. ``owner_alive`` judges a recorded pid + host (+ start time, so a reused
pid is not taken for the owner) for readers that must not take the lock themselves.
"""
from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path

from faceviz_gui.core.errors import FaceVizError, FileAccessError


class Held:
    """A held lock; ``release()`` (or leaving a ``with``) lets the next holder in and removes
    the lock file, so no hidden file stays behind."""

    def __init__(self, fd: int, path: Path) -> None:
        self.fd, self.path = fd, path

    def release(self) -> None:
        if self.fd >= 0:
            try:  # unlink while still holding: a waiter that opened this inode re-checks it
                self.path.unlink(missing_ok=True)
            except OSError:
                pass
            os.close(self.fd)  # closing the descriptor drops the flock
            self.fd = -1

    def __enter__(self) -> "Held":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def hold(lock_path: str | os.PathLike, busy: str) -> Held:
    """Take the lock now or raise FaceVizError(``busy``); a folder where the lock file cannot
    be created (read-only) is a FileAccessError naming it."""
    path = Path(lock_path)
    for _ in range(10):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:
            raise FileAccessError(path.parent, "lock", exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise FaceVizError(busy) from None
        except OSError as exc:
            os.close(fd)
            raise FileAccessError(path, "lock", exc) from None
        try:  # the holder before us may have removed the file as we opened it: try again
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return Held(fd, path)
        except FileNotFoundError:
            pass
        os.close(fd)
    raise FaceVizError(busy)


def is_held(lock_path: str | os.PathLike) -> bool:
    """True if a live process holds the lock (tested with a shared lock, released at once)."""
    try:
        fd = os.open(lock_path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def host() -> str:
    return socket.gethostname()


def process_start(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (clock ticks since boot), or None where unknown."""
    try:
        with open(f"/proc/{int(pid)}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return fields[19].decode()
    except (OSError, IndexError, ValueError):
        return None


def _state(pid: int) -> str | None:
    try:
        with open(f"/proc/{int(pid)}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0].decode()
    except (OSError, IndexError, ValueError):
        return None


def owner() -> dict[str, object]:
    """What to record so others can tell later whether this process still runs."""
    pid = os.getpid()
    return {"pid": pid, "host": host(), "pid_start": process_start(pid)}


def owner_alive(pid: object, host_name: object = None, pid_start: object = None) -> bool:
    """False only when sure: the pid is gone on this host, or now belongs to another process.
    Another host's pid, or none recorded, cannot be judged here and counts as alive."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return True
    if host_name not in (None, host()):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive
    except OSError:
        return True
    if _state(pid) in ("Z", "X"):
        return False  # dead, waiting to be reaped by its parent
    if pid_start is not None:
        now = process_start(pid)
        if now is not None and now != str(pid_start):
            return False  # the pid was reused by a later process
    return True


def clean_stale(parent: str | os.PathLike, patterns: tuple[str, ...]) -> list[Path]:
    """Remove the folders and files in ``parent`` matching ``patterns`` (temporaries of a
    job that was killed). Call it only while holding the job's lock: then no live job owns
    any of them."""
    import shutil
    removed = []
    for pattern in patterns:
        for p in sorted(Path(parent).glob(pattern)):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            removed.append(p)
    return removed
