"""Compile fused_kernels.c for this machine and load it with ctypes (no torch here).

Why compile on the user's machine: the kernels are plain C, so any C compiler builds them in
under a second with ``-march=native`` (AVX2 and FMA on the EPYC, whatever the CPU has
elsewhere), with no Python headers, torch headers or build step in the wheel. `make` builds
it once (``python -m faceviz_gui.core.maps.native_build``); otherwise the first render does.
Without a compiler, or with FACEVIZ_NATIVE=0, ``load()`` returns None and HappyMaps use the
torch path (same maths); ``status()`` says which and why.

The library's name carries a hash of the source, the flags and the CPU, so an edited source,
another compiler flag or a home folder shared with another CPU never loads a stale build.
"""
from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

import platformdirs

SOURCE = Path(__file__).with_name("fused_kernels.c")
FLAGS = ("-O3", "-march=native", "-fPIC", "-shared", "-std=c99", "-ffp-contract=fast", "-fno-math-errno")
ENV_SWITCH = "FACEVIZ_NATIVE"      # 0 turns the fused kernels off
ENV_DIR = "FACEVIZ_NATIVE_DIR"     # where builds are kept (default: the user cache folder)
_status = "not loaded yet"


def build_dir() -> Path:
    return Path(os.environ.get(ENV_DIR) or platformdirs.user_cache_dir("faceviz", appauthor=False)) / "native"


def compiler() -> str | None:
    return shutil.which(os.environ.get("CC") or "cc") or shutil.which("gcc") or shutil.which("clang")


def _cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith(("flags", "Features")):
                return line
    except OSError:
        pass
    return platform.processor()


def library_path(cc: str) -> Path:
    key = hashlib.sha256(SOURCE.read_bytes() + " ".join((cc, *FLAGS, platform.machine(),
                                                          _cpu_flags())).encode()).hexdigest()[:16]
    return build_dir() / f"fused_kernels-{key}.so"


def build() -> Path:
    """The compiled library, compiled now if it is not there; raises OSError or
    CalledProcessError (with the compiler's message) when it cannot be built."""
    cc = compiler()
    if cc is None:
        raise OSError("no C compiler found (set CC, or install gcc)")
    lib = library_path(cc)
    if lib.is_file():
        return lib
    lib.parent.mkdir(parents=True, exist_ok=True)
    # Built under a temporary name and renamed: two processes building at once both succeed,
    # and nobody ever loads a half-written file.
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=lib.parent)
    os.close(fd)
    try:
        subprocess.run([cc, *FLAGS, "-o", tmp, str(SOURCE), "-lm"], check=True, capture_output=True,
                       text=True, timeout=120)
        os.replace(tmp, lib)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return lib


@functools.lru_cache(maxsize=1)
def load() -> ctypes.CDLL | None:
    """The kernels, or None (then ``status()`` says why)."""
    global _status
    if os.environ.get(ENV_SWITCH, "1") == "0":
        _status = f"off ({ENV_SWITCH}=0)"
        return None
    try:
        lib = ctypes.CDLL(str(build()))
    except subprocess.CalledProcessError as exc:
        _status = f"not built: {(exc.stderr or '').strip().splitlines()[-1:] or exc}"
        return None
    except (OSError, subprocess.TimeoutExpired) as exc:
        _status = f"not built: {exc}"
        return None
    _status = "on"
    return lib


def status() -> str:
    """'on', 'off (...)' or 'not built: <why>' (after ``load()``)."""
    return _status


if __name__ == "__main__":
    print(f"built {build()}")
