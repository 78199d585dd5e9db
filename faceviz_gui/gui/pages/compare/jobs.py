"""The compare view's worker jobs (pool threads only) and small helpers."""
from __future__ import annotations


def compare_job(context, run_a, run_b, reporter=None):
    from faceviz_gui.core.compare.comparison import compare_runs
    from faceviz_gui.gui.jobs import probe_faceset
    probe = probe_faceset(context, run_a, reporter)
    return compare_runs(run_a, run_b, probe=probe, reporter=reporter)


class _SideReporter:
    """Tags each report with the run it is about ("a" or "b"): both may name the same layer."""

    def __init__(self, reporter, side: str):
        self._r, self._side = reporter, side

    def report(self, **values):
        self._r.report(side=self._side, **values)

    def should_stop(self) -> bool:
        return self._r.should_stop()


def pair_maps_job(run_a, layer_a: str, run_b, layer_b: str, steps: int, device: str = "cpu",
                  reporter=None):
    """Both layers' HappyMaps (each from the render cache when there); stops between them."""
    from faceviz_gui.core.maps.happymaps import render_layer
    lm_a = render_layer(run_a, layer_a, steps=steps, device=device, reporter=_SideReporter(reporter, "a"))
    if reporter.should_stop():
        return lm_a, None
    lm_b = render_layer(run_b, layer_b, steps=steps, device=device, reporter=_SideReporter(reporter, "b"))
    return lm_a, lm_b


def export_comparison_job(cmp, folder: str, maps_a, maps_b, reporter=None):
    from faceviz_gui.core.export.writers import export_comparison
    return export_comparison(cmp, folder, maps_a=maps_a, maps_b=maps_b)
