"""The gallery's worker jobs (run on the pool, never on the UI thread) and result adapters."""
from __future__ import annotations

from faceviz_gui.gui.jobs import probe_faceset
from faceviz_gui.gui.process_child import in_process


@in_process("maps")     # its Python loop would hold the UI's GIL on a pool thread
def render_job(run, layer: str, steps: int, device: str = "cpu", reporter=None):
    from faceviz_gui.core.maps.happymaps import render_layer
    return render_layer(run, layer, steps=steps, device=device, reporter=reporter)


class _StopAtOnce:
    """A reporter that asks to stop before the first step: render_layer then returns a
    cached layer whole (the cache is read before any step) and an uncached one empty."""

    def report(self, **values) -> None:
        pass

    def should_stop(self) -> bool:
        return True


def cached_layers_job(run, layers: list[str], steps: int, device: str = "cpu", reporter=None):
    """The layers already in the run's map cache, as {layer: LayerMaps}; renders nothing."""
    from faceviz_gui.core.maps.happymaps import render_layer
    found = {}
    for layer in layers:
        if reporter.should_stop():
            break
        lm = render_layer(run, layer, steps=steps, device=device, reporter=_StopAtOnce())
        if lm.settings.get("complete", True) and len(lm.maps):
            found[layer] = lm
    return found



def top_images_job(context, run, layer: str, k: int = 9, device: str = "cpu", reporter=None):
    """(TopImages, the FaceSet it indexes): the images come back with the ranking."""
    from faceviz_gui.core.maps.topimages import top_images
    data = probe_faceset(context, run, reporter)
    return top_images(run, layer, data, k=k, device=device), data


def top_items(result, index: int) -> list:
    """(image, box, caption) triples of filter ``index`` for MapDetail.set_top_images."""
    top, data = result
    if not 0 <= index < len(top.indices):
        return []
    return [(data.images[row], box, f"{value:.3g}  ·  {data.records[row].person}")
            for row, value, box in top.for_filter(index)]
