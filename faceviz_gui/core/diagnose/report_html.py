"""The diagnosis as files: DIR/index.html (standalone, every picture embedded as a base64 PNG),
the plots as PNGs beside it, and diagnosis.json.

The embedding's hover works without a library: the page holds each folder point's pixel
position and thumbnail, and a few lines of JavaScript show the nearest one under the mouse.
"""
from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

from faceviz_gui.core import atomic
from faceviz_gui.core.diagnose import plots
from faceviz_gui.core.errors import FaceVizError

MAX_MISTAKES = 40
_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:1300px}
h1{font-size:1.4em;margin-bottom:.2em} h2{font-size:1.15em;margin:1.6em 0 .4em}
.meta{color:#555;font-size:.9em} ul.findings li{margin:.35em 0}
table{border-collapse:collapse;font-size:.85em} td,th{border:1px solid #ddd;padding:2px 8px;text-align:right}
th{background:#f4f4f4} .grid{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0;font-size:.78em;border:1px solid #eee;padding:4px} figure img{image-rendering:pixelated}
#tip{position:absolute;display:none;background:#fff;border:1px solid #888;padding:3px;font-size:.75em;
pointer-events:none}
#tip img{width:128px;image-rendering:pixelated;display:block}
"""
_JS = """
const P = JSON.parse(document.getElementById('points').textContent);
const img = document.getElementById('embed'), tip = document.getElementById('tip');
img.addEventListener('mousemove', e => {
  const r = img.getBoundingClientRect(), sx = img.naturalWidth / r.width;
  const x = (e.clientX - r.left) * sx, y = (e.clientY - r.top) * sx;
  let best = -1, bd = 100;
  P.forEach((p, i) => { const d = (p[0] - x) ** 2 + (p[1] - y) ** 2; if (d < bd) { bd = d; best = i; } });
  if (best < 0) { tip.style.display = 'none'; return; }
  tip.innerHTML = '<img src="' + P[best][2] + '">' + P[best][3];
  tip.style.left = (e.pageX + 14) + 'px'; tip.style.top = (e.pageY + 14) + 'px'; tip.style.display = 'block';
});
img.addEventListener('mouseleave', () => tip.style.display = 'none');
"""


def data_uri(image) -> str:
    if isinstance(image, np.ndarray):
        image = plots.grey_image(image, 1)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def pictures(diag) -> dict[str, Image.Image]:
    """The report's plots by file stem."""
    a = diag.attention_summary
    rows = [("training images", a.get("training", {})), ("these images", {
        "face": a.get("inside_face", 0), **{k: a.get(k, 0) for k in ("hair", "clothes", "background")}}),
            ("right answers", a.get("right", {})), ("wrong answers", a.get("wrong", {}))]
    rows += [(f"class {c}", s) for c, s in a.get("per_class", {}).items()]
    out = {"sensitivity": plots.sensitivity_grid(diag), "attention": plots.stacked_shares(rows),
           "layers": plots.layer_bars(diag.shifts, diag.breaking)}
    if diag.embedding is not None:
        out["embedding"] = plots.scatter(diag)[0]
    return out


def write_report(diag, out_dir, title: str = "", links: dict[str, str] | None = None) -> Path:
    """Write the report into ``out_dir``; returns index.html's path. ``links`` (label ->
    relative href) are listed under the title, e.g. run B's report beside run A's."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FaceVizError(f"cannot write to {out}: {exc.strerror or exc}") from None
    if diag.stopped:
        pics = {}
    else:
        pics = pictures(diag)
    for stem, im in pics.items():
        atomic.write_with(out / f"{stem}.png", lambda p, im=im: im.save(p, format="PNG"))
    atomic.write_text(out / "diagnosis.json", json.dumps(diag.to_json(), indent=1))
    page = render(diag, pics, title, links)
    return atomic.write_text(out / "index.html", page)


def render(diag, pics: dict, title: str = "", links: dict[str, str] | None = None) -> str:
    e = html.escape
    title = title or f"Diagnosis of {diag.experiment} on {Path(diag.root).name}"
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{e(title)}</h1>",
             f"<p class='meta'>run {e(diag.run_id)} · task {e(diag.task)} · {diag.n} images from "
             f"{e(diag.root)}{' (faces found and cropped)' if diag.crop_faces else ''} · "
             f"accuracy {diag.accuracy:.3f}</p>",
             "".join(f"<p><a href='{e(href)}'>{e(label)}</a></p>" for label, href in (links or {}).items()),
             "<h2>Findings</h2><ul class='findings'>"
             + "".join(f"<li>{e(s)}</li>" for s in diag.findings) + "</ul>"]
    if "sensitivity" in pics:
        parts.append("<h2>Sensitivity</h2><p class='meta'>Each factor varied over these images "
                     "(blue) and over the run's own training images (grey, placed on the same "
                     "axis); green: the range the training data covered; orange: these images as "
                     f"they are.</p><img src='{data_uri(pics['sensitivity'])}'>")
    if "attention" in pics:
        parts.append(f"<h2>Attention ({e(diag.attention_summary.get('method', ''))})</h2>"
                     "<p class='meta'>Share of each image's attention inside the face box, on "
                     f"hair, clothes and background.</p><img src='{data_uri(pics['attention'])}'>")
    if "layers" in pics:
        parts.append(_differences(diag, data_uri(pics["layers"])))
    if "embedding" in pics:
        parts.append(_embedding(diag, data_uri(pics["embedding"])))
    if not diag.stopped:
        parts.append(_mistakes(diag))
    if diag.folder.skipped:
        parts.append("<h2>Skipped files</h2><ul>" + "".join(
            f"<li>{e(str(s))}</li>" for s in diag.folder.skipped) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _differences(diag, layers_uri: str) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><th>{k}</th><td>{diag.train_stats.get(k, 0):.3f}</td><td>{diag.folder_stats.get(k, 0):.3f}</td>"
        f"<td>{diag.train_stats.get(k + '_p5', 0):.3f} – {diag.train_stats.get(k + '_p95', 0):.3f}</td></tr>"
        for k in ("brightness", "contrast", "background", "sharpness"))
    units = "".join(f"<tr><th>{e(s.layer)}</th><td>{s.shift:.3f}</td><td>{s.reference:.3f}</td>"
                    f"<td>{s.ratio:.1f}</td><td>{len(s.only_train)}</td><td>{len(s.only_new)}</td></tr>"
                    for s in diag.shifts)
    name = diag.breaking.layer if diag.breaking else "no layer"
    return ("<h2>Where these images differ</h2><table><tr><th>pixels (median)</th><th>training</th>"
            f"<th>these</th><th>training 5–95%</th></tr>{rows}</table>"
            f"<p class='meta'>Activation shift per layer (in training spreads); the new faces stop "
            f"looking like CMU faces at <b>{e(name)}</b>.</p><img src='{layers_uri}'>"
            "<table><tr><th>layer</th><th>shift</th><th>CMU test</th><th>ratio</th>"
            f"<th>units only on training</th><th>units only on these</th></tr>{units}</table>")


def _embedding(diag, uri: str) -> str:
    e = html.escape
    _, where = plots.scatter(diag)
    points = [[x, y, data_uri(diag.folder.images[i]),
               e(f"{Path(diag.folder.paths[i]).name}: {diag.classes[diag.folder.labels[i]]} → "
                 f"{diag.classes[diag.predictions[i]]}")] for i, (x, y) in enumerate(where)]
    em = diag.embedding
    return (f"<h2>Embedding of {e(em.layer)} ({em.method.upper()})</h2><p class='meta'>Training "
            "images as dots, these images as rings (crossed when wrong), coloured by class. "
            "Hover a ring to see its image.</p>"
            f"<img id='embed' src='{uri}'><div id='tip'></div>"
            f"<script id='points' type='application/json'>{json.dumps(points)}</script>"
            f"<script>{_JS}</script>")


def _mistakes(diag) -> str:
    e = html.escape
    wrong = diag.mistakes()
    figs = []
    for i in wrong[:MAX_MISTAKES]:
        crop = diag.folder.images[i]
        heat = diag.attention.heatmaps[i] if diag.attention is not None else np.zeros_like(crop)
        cap = (f"{e(Path(diag.folder.paths[i]).name)}<br>{e(diag.classes[diag.folder.labels[i]])} → "
               f"{e(diag.classes[diag.predictions[i]])} ({diag.probs[i].max():.2f})")
        figs.append(f"<figure><img src='{data_uri(plots.grey_image(crop))}'> "
                    f"<img src='{data_uri(plots.overlay_image(crop, heat))}'><br>"
                    f"<img src='{data_uri(plots.sensitivity_strip(diag, i))}'>"
                    f"<figcaption>{cap}</figcaption></figure>")
    more = f" (the first {MAX_MISTAKES} shown)" if len(wrong) > MAX_MISTAKES else ""
    return (f"<h2>Mistakes: {len(wrong)}{more}</h2><p class='meta'>Most confident first: the crop, "
            "its attention, and its own sensitivity (a row per factor, red = wrong class, green "
            "= true class; outlined: as it is).</p><div class='grid'>" + "".join(figs) + "</div>")
