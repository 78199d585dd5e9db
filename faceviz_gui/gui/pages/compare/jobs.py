"""The compare view's worker jobs (pool threads only) and small helpers."""
from __future__ import annotations

from faceviz_gui.core.tasks import SideReporter


def compare_job(context, run_a, run_b, reporter=None):
    from faceviz_gui.core.compare.comparison import compare_runs
    from faceviz_gui.gui.jobs import probe_faceset
    probe = probe_faceset(context, run_a, reporter)
    return compare_runs(run_a, run_b, probe=probe, reporter=reporter)




def pair_maps_job(run_a, layer_a: str, run_b, layer_b: str, steps: int, device: str = "cpu",
                  reporter=None):
    """Both layers' HappyMaps (each from the render cache when there); stops between them."""
    from faceviz_gui.core.maps.happymaps import render_layer
    lm_a = render_layer(run_a, layer_a, steps=steps, device=device, reporter=SideReporter(reporter, "a"))
    if reporter.should_stop():
        return lm_a, None
    lm_b = render_layer(run_b, layer_b, steps=steps, device=device, reporter=SideReporter(reporter, "b"))
    return lm_a, lm_b


def export_comparison_job(cmp, folder: str, maps_a, maps_b, reporter=None):
    from faceviz_gui.core.export.writers import export_comparison
    return export_comparison(cmp, folder, maps_a=maps_a, maps_b=maps_b)
