"""A reporter that asks a job to stop at its n-th poll: training polls once per batch."""
from __future__ import annotations

from faceviz_gui.core.tasks import RecordingReporter


class StopAfter(RecordingReporter):
    """Asks to stop at the n-th poll of should_stop (one poll per batch)."""

    def __init__(self, polls: int):
        super().__init__()
        self.polls, self.left = polls, polls

    def should_stop(self) -> bool:
        self.left -= 1
        return self.left < 0
