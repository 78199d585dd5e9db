"""Writing galleries and comparisons to disk: PNG sheets and maps, HTML, JSON, PDF.

    <out>/index.html                      stands alone (maps embedded)
    <out>/metadata.json                   settings, seed, versions, statistics per filter
    <out>/gallery.pdf                     every layer, real text beside the maps (pdf.py)
    <out>/sheets/<layer>_<variant>.png    a layer's maps in a numbered grid
    <out>/maps/<layer>/<layer>_<i>_<variant>.png   each map, enlarged with nearest

Every file is written atomically, so a stopped export leaves whole files only; both
functions return the paths they wrote.
"""
from __future__ import annotations

import datetime as dt
import platform
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from faceviz_gui.core import atomic
from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.export.html import render_index
from faceviz_gui.core.export.pdf import gallery_pages, to_pdf
from faceviz_gui.core.export.pngbytes import png_bytes
from faceviz_gui.core.export.sheets import VARIANTS, cka_image, layer_sheet, matched_sheet, to_pil, variant
from faceviz_gui.core.export.words import settings_words, unit_names
from faceviz_gui.core.maps.maptypes import LayerMaps
from faceviz_gui.core.tasks import NullReporter, Reporter, Throttle

FORMATS = ("png", "html", "pdf")
MAP_FACTOR = 4   # each map's own PNG, enlarged for visibility


def versions() -> dict[str, str]:
    import PIL
    import torch

    from faceviz_gui import __version__
    return {"faceviz": __version__, "torch": torch.__version__, "numpy": np.__version__,
            "pillow": PIL.__version__, "python": platform.python_version()}


def export_gallery(run, layer_maps: list[LayerMaps], out_dir: str | Path,
                   formats: Iterable[str] = FORMATS, variants: Iterable[str] = VARIANTS,
                   reporter: Reporter | None = None) -> list[Path]:
    """Write the gallery of ``layer_maps`` (one LayerMaps per layer) of ``run`` (a Run or
    None) to ``out_dir``; returns the files written (fewer if stopped)."""
    reporter = reporter or NullReporter()
    formats, variants = _check(tuple(formats), FORMATS, "format"), _check(tuple(variants), VARIANTS, "variant")
    if not layer_maps:
        raise FaceVizError("nothing to export: no layers rendered")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FaceVizError(f"cannot write to {out}: {exc.strerror or exc}") from None
    written: list[Path] = []
    links: dict[str, dict[str, str]] = {}
    total = len(layer_maps) * len(variants) + 2
    throttle = Throttle()
    done = 0
    for lm in layer_maps:
        for v in variants:
            if reporter.should_stop():
                return written
            if "png" in formats:
                sheet = layer_sheet(lm, v, names=unit_names(run, lm.layer, len(lm.maps), lm.kind))
                rel = f"sheets/{lm.layer}_{v}.png"
                written.append(_save_png(out / rel, sheet))
                links.setdefault(lm.layer, {})[f"{v} sheet"] = rel
                for m in lm.maps:
                    written.append(_save_png(
                        out / "maps" / lm.layer / f"{lm.layer}_{m.index:03d}_{v}.png",
                        to_pil(variant(m.image, v), MAP_FACTOR), durable=False))
            done += 1
            if throttle.ready():
                reporter.report(kind="progress", done=done, total=total,
                                message=f"export {lm.layer} ({v})")
    if reporter.should_stop():
        return written
    meta = gallery_metadata(run, layer_maps, formats, variants)
    top_links = {}
    title = f"HappyMaps of {meta['run'].get('experiment') or meta['run']['id']}"
    about = settings_words(meta["settings"])
    names = {lm.layer: unit_names(run, lm.layer, len(lm.maps), lm.kind) for lm in layer_maps}
    if "pdf" in formats:
        pages = gallery_pages(f"{title}  -  run {meta['run']['id']}", about, layer_maps,
                              variants, names)
        written.append(atomic.write_bytes(out / "gallery.pdf", to_pdf(pages)))
        top_links["all maps (PDF)"] = "gallery.pdf"
    top_links["metadata.json"] = "metadata.json"
    if "html" in formats:
        header = {"run": meta["run"]["id"], "experiment": meta["run"].get("experiment", ""),
                  "weights": meta["run"].get("weights_hash", ""), "how the maps were made": about,
                  "created": meta["created"], "versions": ", ".join(
                      f"{k} {v}" for k, v in meta["versions"].items())}
        html = render_index(title, header, layer_maps, variants, links, top_links, names)
        written.append(atomic.write_text(out / "index.html", html))
    written.append(atomic.write_json(out / "metadata.json",
                                     {**meta, "files": [str(p.relative_to(out)) for p in written]}))
    reporter.report(kind="progress", done=total, total=total, message="export done")
    return written


def gallery_metadata(run, layer_maps: list[LayerMaps], formats, variants) -> dict[str, Any]:
    run_info: dict[str, Any] = {"id": layer_maps[0].run_id}
    if run is not None:
        run_info = {"id": run.id, "path": str(run.path), "experiment": run.spec.name,
                    "task": run.spec.task, "input_size": list(run.spec.input_size),
                    "weights_hash": run.weights_hash if run.has_weights else "",
                    "spec": run.spec.to_dict()}
    settings = _common_settings(layer_maps)
    return {"created": dt.datetime.now().isoformat(timespec="seconds"), "versions": versions(),
            "run": run_info, "settings": settings, "seed": settings.get("seed"),
            "formats": list(formats), "variants": list(variants),
            "layers": [{"layer": lm.layer, "kind": lm.kind, "summary": lm.summary(),
                        "dead": lm.dead_count, "count": len(lm.maps), "settings": lm.settings,
                        "weights_hash": lm.weights_hash, "seconds": round(lm.seconds, 3),
                        "filters": [m.stats() for m in lm.maps]} for lm in layer_maps]}


def _common_settings(layer_maps: list[LayerMaps]) -> dict[str, Any]:
    """Settings every layer shares (steps, seed, ...): what the run-wide header shows."""
    first = dict(layer_maps[0].settings)
    return {k: v for k, v in first.items()
            if k not in ("filters", "objective") and all(lm.settings.get(k) == v for lm in layer_maps)}


def export_comparison(comparison, out_dir: str | Path, maps_a=None, maps_b=None,
                      variant_name: str = "stretched") -> list[Path]:
    """comparison.json, cka.png, and matched maps side by side for each matched layer pair
    whose maps are given (``maps_a``/``maps_b``: LayerMaps lists or {layer: LayerMaps})."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FaceVizError(f"cannot write to {out}: {exc.strerror or exc}") from None
    c = comparison
    written = [atomic.write_json(out / "comparison.json", c.to_json())]
    title = f"Linear CKA: {c.experiment_a} ({c.run_a}) vs {c.experiment_b} ({c.run_b})"
    img = cka_image(c.layers_a, c.layers_b, c.cka, title, c.verdict,
                    f"A = {c.experiment_a}", f"B = {c.experiment_b}")
    written.append(_save_png(out / "cka.png", img))
    by_a, by_b = _by_layer(maps_a), _by_layer(maps_b)
    for (la, lb), match in c.matches.items():
        if la not in by_a or lb not in by_b:
            continue
        fa = {m.index: m for m in by_a[la].maps}
        fb = {m.index: m for m in by_b[lb].maps}
        pairs = sorted(((fa.get(i), fb.get(j), r) for i, j, r in match.good_pairs),
                       key=lambda p: -p[2])
        sheet = matched_sheet(
            f"{la} (A) matched to {lb} (B): {len(pairs)} pairs at r >= {match.threshold}, "
            f"mean r {match.mean_correlation:.2f}", pairs, match.unmatched_a, match.unmatched_b,
            variant_name, silent_a=match.silent_a, silent_b=match.silent_b)
        written.append(_save_png(out / f"matched_{la}__{lb}.png", sheet))
    return written


def _by_layer(maps) -> dict[str, LayerMaps]:
    if maps is None:
        return {}
    if isinstance(maps, dict):
        return dict(maps)
    return {lm.layer: lm for lm in maps}


def _check(values: tuple[str, ...], known: tuple[str, ...], what: str) -> tuple[str, ...]:
    bad = [v for v in values if v not in known]
    if bad or not values:
        raise FaceVizError(f"unknown {what} {bad[0] if bad else '(none given)'!r} "
                           f"(known: {', '.join(known)})")
    return values


def _save_png(path: Path, image, durable: bool = True) -> Path:
    # zlib level 1: the enlarged maps compress nearly as well, 2-3x faster (1,000 of them).
    # Sheets at 3: 7% bigger than at 6, a third of the time (1096x1452, 33 vs 113 ms, AMD EPYC).
    data = png_bytes(image, level=3 if durable else 1)
    # The hundreds of per-map PNGs are written without an fsync each (still whole-or-absent):
    # the fsyncs measured 3.4 of 7.4 s exporting experiment0's gallery here.
    return atomic.write_bytes(path, data, fsync=durable)

