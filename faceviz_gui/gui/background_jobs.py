"""Jobs the app runs on its own, in the niced "background" worker process (no Qt here).

``render_gallery_job`` renders every layer of a run that has HappyMaps into the run's map
cache, one layer after another, so the Gallery later shows final maps at once: render_layer
reads that cache before any step. Previews are not sent back (nobody is looking); the stop
flag is polled each step, and a pause holds the job at its next step.
"""
from __future__ import annotations

from faceviz_gui.gui.process_child import in_process


class _LayerReporter:
    """Passes a layer's progress (not its preview images) on, tagged with the layer number."""

    def __init__(self, reporter, index: int, total: int, run_id: str):
        self.reporter, self.index, self.total, self.run_id = reporter, index, total, run_id

    def report(self, **values) -> None:
        if values.get("kind") == "progress":
            self.reporter.report(kind="progress", run=self.run_id, index=self.index,
                                 total=self.total, done=values.get("done", 0),
                                 steps=values.get("total", 1))

    def should_stop(self) -> bool:
        return self.reporter.should_stop()


@in_process("background")
def render_gallery_job(run_path: str, steps: int, device: str = "cpu", reporter=None):
    """Render (or find cached) every map layer of the run at ``steps``; returns a summary."""
    from faceviz_gui.core.maps.happymaps import map_layers, render_layer
    from faceviz_gui.core.training.runs import Run
    run = Run(run_path)
    layers = map_layers(run.load_model("cpu"))      # RunError without weights
    done: list[str] = []
    for i, layer in enumerate(layers):
        if reporter.should_stop():
            break
        reporter.report(kind="layer", run=run.id, layer=layer, index=i, total=len(layers))
        lm = render_layer(run, layer, steps=steps, device=device,
                          reporter=_LayerReporter(reporter, i, len(layers), run.id))
        if not lm.settings.get("complete", True):
            break
        done.append(layer)
    return {"run": run_path, "run_id": run.id, "layers": done, "total": len(layers)}
