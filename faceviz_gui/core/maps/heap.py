"""Keep the C heap steady while a HappyMaps render runs (glibc only; elsewhere a no-op).

Why: every step allocates and frees the same few tens of MB of activations. glibc's default
hands blocks that big back to the kernel (mmap/munmap, heap trimming) as soon as they are
freed, so each step page-faults them in again: measured on the 2-core AMD EPYC, `faceviz maps`
on conv2d_3 and dense_1 (64 steps) spent 2-5 s of kernel time beside 14 s of user time, and
the plain torch loop 9 s beside 19 s. Raising the mmap and trim thresholds for the render
keeps those pages mapped; ``malloc_trim`` gives them back when it ends.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import sys
import threading

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_HOLD = 1 << 30               # keep up to 1 GiB of freed blocks during a render
_DEFAULT_TRIM = 128 * 1024    # glibc's own default, restored afterwards
_lock = threading.Lock()
_active = 0


@functools.lru_cache(maxsize=1)
def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


@contextlib.contextmanager
def steady():
    """Hold freed memory in the heap inside the block; nested and concurrent uses count."""
    global _active
    libc = _libc()
    if libc is None:
        yield
        return
    with _lock:
        _active += 1
        if _active == 1:
            libc.mallopt(_M_MMAP_THRESHOLD, _HOLD)
            libc.mallopt(_M_TRIM_THRESHOLD, _HOLD)
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM)
                libc.malloc_trim(0)
