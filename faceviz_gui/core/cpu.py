"""How many torch threads a job should take on this (possibly shared) machine, decided at run time."""
from __future__ import annotations

import os


def idle_threads(cpus: int | None = None, load: float | None = None, keep_free: int = 0) -> int:
    """The cores nobody is using now (CPUs this process may run on minus the 1-minute load
    average), less ``keep_free`` (the GUI keeps one for its UI thread); at least one."""
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (OSError, AttributeError):
            load = 0.0
    return max(1, min(cpus - keep_free, round(cpus - load)))


def cpu_name() -> str:
    """The CPU's model name, for benchmark tables: these machines differ (one was 5x slower)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform
    return platform.processor() or "unknown CPU"
