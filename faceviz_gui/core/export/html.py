"""index.html for an exported gallery: one file that stands alone.

Each map is embedded at its own size as a base64 PNG (a few KB) and enlarged by the browser
with ``image-rendering: pixelated``, so the whole experiment0 gallery is about 1 MB and opens
anywhere, offline, with no folder beside it. Links to the sheet PNGs and the PDF are added
when those were written too.
"""
from __future__ import annotations

import base64
import html
from typing import Any

from faceviz_gui.core.export.pngbytes import png_bytes
from faceviz_gui.core.export.sheets import to_pil, variant
from faceviz_gui.core.export.words import stats_words
from faceviz_gui.core.maps.maptypes import LayerMaps

_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}
h1{font-size:1.4em;margin-bottom:.2em} h2{font-size:1.15em;margin:1.6em 0 .3em}
.meta{color:#555;font-size:.9em} .grid{display:flex;flex-wrap:wrap;gap:10px}
figure{margin:0;width:132px;font-size:.78em} figure img{width:128px;image-rendering:pixelated;
border:2px solid #ddd;display:block} figure.dead img{border-color:#d21e1e;opacity:.55}
figure.dead figcaption{color:#d21e1e} table{border-collapse:collapse;font-size:.8em}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:right} th{background:#f4f4f4}
body:not(.show-stretched) img.stretched, body.show-stretched img.raw{display:none}
.toolbar{position:sticky;top:0;background:#fff;padding:.4em 0;border-bottom:1px solid #eee}
"""
_JS = """
function showVariant(v){document.body.classList.toggle('show-stretched', v==='stretched');}
"""


def _data_uri(image) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(to_pil(image), level=6)).decode("ascii")


def _layer_section(lm: LayerMaps, variants: tuple[str, ...], links: dict[str, str],
                   names: list[str]) -> str:
    e = html.escape
    word = "filters" if lm.kind == "conv2d" else "units"
    name = lambda i: names[i] if i < len(names) else f"#{i}"  # noqa: E731
    out = [f'<section id="{e(lm.layer)}"><h2>{e(lm.layer)} '
           f'<span class="meta">({e(lm.kind)}, {len(lm.maps)} {word}; {lm.dead_count} dead, '
           f'judged by their maps)</span></h2>']
    if links:
        out.append('<p class="meta">' + " · ".join(
            f'<a href="{e(href)}">{e(label)}</a>' for label, href in links.items()) + "</p>")
    out.append('<div class="grid">')
    for m in lm.maps:
        imgs = "".join(f'<img class="{v}" alt="{e(lm.layer)} {e(name(m.index))} {v}" '
                       f'src="{_data_uri(variant(m.image, v))}">' for v in variants)
        short = name(m.index).replace("filter ", "").replace("unit ", "")
        cap = f"{e(short)} · act {m.activation:.3g}"
        if m.dead:
            cap += f"<br>dead: {e(m.dead_reason or 'dead')}"
        # the hover says it in words (it used to be the raw JSON of the statistics)
        out.append(f'<figure class="{"dead" if m.dead else ""}" '
                   f'title="{e(stats_words(m, f"{lm.layer} {name(m.index)}"))}">'
                   f"{imgs}<figcaption>{cap}</figcaption></figure>")
    out.append("</div><details><summary>statistics per filter</summary><table>"
               "<tr><th>unit</th><th>activation</th><th>saturation</th><th>HF energy</th>"
               "<th>final loss</th><th>dead</th></tr>")
    for m in lm.maps:
        s = m.stats()
        loss = "" if s["final_loss"] is None else f"{s['final_loss']:.4g}"
        out.append(f"<tr><td>{e(name(m.index))}</td><td>{s['activation']:.4g}</td>"
                   f"<td>{s['saturation']:.3f}</td><td>{s['hf_energy']:.3f}</td><td>{loss}</td>"
                   f"<td>{e(s['dead_reason'] or 'dead') if s['dead'] else ''}</td></tr>")
    out.append("</table></details></section>")
    return "\n".join(out)


def render_index(title: str, header: dict[str, Any], layers: list[LayerMaps],
                 variants: tuple[str, ...], links: dict[str, dict[str, str]],
                 top_links: dict[str, str], names: dict[str, list[str]] | None = None) -> str:
    """The page: run and settings at the top, a variant switch, then every layer."""
    e = html.escape
    rows = "".join(f"<tr><th>{e(str(k))}</th><td style='text-align:left'>{e(str(v))}</td></tr>"
                   for k, v in header.items())
    toc = " · ".join(f'<a href="#{e(l.layer)}">{e(l.layer)}</a>' for l in layers)
    switch = ""
    if len(variants) > 1:
        switch = "maps: " + " ".join(
            f'<button onclick="showVariant(\'{v}\')">{v}</button>' for v in variants)
    body_cls = ' class="show-stretched"' if variants and variants[0] == "stretched" else ""
    extra = " · ".join(f'<a href="{e(h)}">{e(t)}</a>' for t, h in top_links.items())
    sections = "\n".join(_layer_section(l, variants, links.get(l.layer, {}),
                                         (names or {}).get(l.layer, [])) for l in layers)
    return (f"<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{e(title)}</title><style>{_CSS}</style><script>{_JS}</script></head>"
            f"<body{body_cls}><h1>{e(title)}</h1><table>{rows}</table>"
            f"<p class='meta'>{extra}</p><div class='toolbar'>{toc}<br>{switch}</div>\n"
            f"{sections}\n</body></html>\n")
