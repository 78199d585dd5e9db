"""PhaseReporter: one long job's phases (maps, fine-tune, compare) as one progress fraction.

Sub-jobs report in their own terms ("batch" with epoch and batch, "progress" with done and
total); the wrapper turns each into ``kind="progress", fraction=..., message=...`` on the
outer reporter, drops bulky values (state dicts, preview images) and passes the stop flag
through, so a cancel reaches whichever sub-job is running.
"""
from __future__ import annotations

from typing import Any

from faceviz_gui.core.tasks import Reporter


class PhaseReporter:
    def __init__(self, outer: Reporter, phase: str, start: float, span: float):
        self.outer, self.phase, self.start, self.span = outer, phase, start, span
        self.fraction = start       # a stage message without a fraction keeps the last one

    def should_stop(self) -> bool:
        return self.outer.should_stop()

    def report(self, **values: Any) -> None:
        frac = _fraction(values)
        if frac is None and values.get("kind") != "stage":
            return
        detail = values.get("message", "")
        if values.get("kind") in ("batch", "epoch"):
            detail = f"epoch {values.get('epoch')} of {values.get('epochs')}"
            if values.get("val_acc") is not None:
                detail += f", validation accuracy {values['val_acc']:.1%}"
        message = f"{self.phase}: {detail}" if detail else self.phase
        if frac is not None:
            self.fraction = min(1.0, self.start + self.span * frac)
        self.outer.report(kind="progress", fraction=self.fraction, message=message)


def _fraction(v: dict[str, Any]) -> float | None:
    kind = v.get("kind")
    if kind == "batch" and v.get("steps"):
        return v["step"] / v["steps"]
    if kind == "epoch" and v.get("epochs"):
        return v["epoch"] / v["epochs"]
    if v.get("total"):
        return float(v.get("done", 0)) / float(v["total"])
    return None
