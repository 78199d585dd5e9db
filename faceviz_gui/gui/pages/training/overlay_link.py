"""The Training page's overlay wiring: the bar's choices remembered in the settings, the runs
ticked in the browser, and which runs the plots draw beside the one shown (overlay.py)."""
from __future__ import annotations

from faceviz_gui.gui import settings as keys
from faceviz_gui.gui.pages.training.overlay import PALETTE, pick_runs, short_label

OVERLAY_MODE, SMOOTHING, LOG_LOSS = ("training/overlay_mode", "training/smoothing",
                                     "training/log_loss")


class OverlayLink:
    """``shown()`` gives (spec, run folder) of what the page shows: the overlay leaves that
    run out and picks "this experiment" and "same task" from that spec."""

    def __init__(self, context, plots, shown):
        self.context, self.plots, self.shown = context, plots, shown
        self.bar = plots.overlay_bar
        s = context.settings
        default = "experiment" if keys.flag(s, keys.TRAIN_OVERLAY, True) else "none"
        self.bar.set_mode(str(s.value(OVERLAY_MODE, default)))
        self.bar.smoothing.setValue(int(s.value(SMOOTHING, 0)))
        self.bar.log_loss.setChecked(keys.flag(s, LOG_LOSS, False))
        plots.set_smoothing(self.bar.weight())
        plots.set_log_loss(self.bar.log_loss.isChecked())
        self.bar.changed.connect(self._changed)
        context.runsChanged.connect(self.refresh)
        context.plotRunsChanged.connect(self._ticked)

    def _changed(self) -> None:
        s, bar = self.context.settings, self.bar
        s.setValue(OVERLAY_MODE, bar.mode())
        s.setValue(SMOOTHING, bar.smoothing.value())
        s.setValue(LOG_LOSS, bar.log_loss.isChecked())
        self.plots.set_smoothing(bar.weight())
        if bar.log_loss.isChecked() != self.plots.is_log_loss():
            self.plots.set_log_loss(bar.log_loss.isChecked())
        self.refresh()

    def _ticked(self, paths: list) -> None:
        if paths and self.bar.mode() != "ticked":
            self.bar.set_mode("ticked")  # emits changed: refreshes
        else:
            self.refresh()

    def refresh(self, *_args) -> None:
        if not self.context.core_ready or self.bar.mode() == "none":
            self.plots.set_overlays([])
            return
        from faceviz_gui.core.training.runs import list_runs
        spec, run_path = self.shown()
        others = pick_runs(self.bar.mode(), list_runs(self.context.runs_root), spec, run_path,
                           self.context.plot_runs)
        self.plots.set_overlays([(short_label(r), r.metrics(), PALETTE[i % len(PALETTE)])
                                 for i, r in enumerate(others)])
