"""Pictures for export, drawn with Pillow: map sheets, enlarged maps, the CKA matrix, and
matched maps side by side. Plain numpy/Pillow, no Qt, so the CLI and tests draw the same."""
from __future__ import annotations

import math
import textwrap
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from faceviz_gui.core.attention import colormaps
from faceviz_gui.core.maps.maptypes import FilterMap, LayerMaps

VARIANTS = ("raw", "stretched")
BG, INK, FAINT, DEAD = (255, 255, 255), (20, 20, 20), (110, 110, 110), (210, 30, 30)
PAD = 8
CELL = 112          # a map's longer side in a sheet, in pixels (integer nearest upscaling)


@lru_cache(maxsize=None)
def font(size: int = 13) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def variant(image: np.ndarray, name: str) -> np.ndarray:
    """float (H, W) in [0, 1]: as rendered ("raw"), or stretched to the 1st..99th percentile."""
    img = np.clip(np.nan_to_num(np.asarray(image, dtype=np.float32)), 0.0, 1.0)
    if name == "raw":
        return img
    if name != "stretched":
        raise ValueError(f"unknown variant {name!r} (known: {', '.join(VARIANTS)})")
    lo, hi = _percentiles(img, (0.01, 0.99))
    if hi - lo < 1e-6:   # a flat map stays flat rather than turning into noise
        return img
    return np.clip((img - lo) / (hi - lo), 0.0, 1.0)


def _percentiles(img: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """np.percentile's default (linear) values, from one partial sort: a gallery export asks
    for every map's stretch four times (sheet, map file, HTML, PDF), and np.percentile's
    full machinery was half of variant()'s 0.37 ms."""
    flat = img.ravel()
    last = flat.size - 1
    spots = [(q * last, int(np.floor(q * last))) for q in qs]
    part = np.partition(flat, sorted({k for _, lo in spots for k in (lo, min(lo + 1, last))}))
    out = []
    for v, lo in spots:
        a, b, t = part[lo], part[min(lo + 1, last)], v - lo
        d = float(b - a)                     # in the image's dtype first, as numpy's _lerp
        out.append(float(b) - d * (1 - t) if t >= 0.5 else float(a) + d * t)
    return out


def to_pil(image: np.ndarray, factor: int = 1) -> Image.Image:
    """A grey [0, 1] map as an 8-bit image, enlarged ``factor`` times with nearest."""
    im = Image.fromarray(np.round(np.clip(image, 0, 1) * 255).astype(np.uint8), mode="L")
    if factor > 1:
        im = im.resize((im.width * factor, im.height * factor), Image.NEAREST)
    return im


def upscale_factor(shape: tuple[int, int], target: int = CELL) -> int:
    return max(1, round(target / max(shape)))


def _text_w(draw: ImageDraw.ImageDraw, text: str, size: int) -> int:
    return int(math.ceil(draw.textlength(text, font=font(size))))


def _mark_dead(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    draw.rectangle((x0 - 3, y0 - 3, x1 + 2, y1 + 2), outline=DEAD, width=3)
    draw.line((x0, y0, x1 - 1, y1 - 1), fill=DEAD, width=2)
    draw.line((x0, y1 - 1, x1 - 1, y0), fill=DEAD, width=2)


def _wrap_px(draw: ImageDraw.ImageDraw, text: str, width: int, size: int) -> list[str]:
    """``text`` in lines no wider than ``width`` pixels (a dead filter's whole reason)."""
    lines: list[str] = []
    for word in text.split():
        if lines and _text_w(draw, f"{lines[-1]} {word}", size) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


def layer_sheet(maps: LayerMaps, variant_name: str = "raw", columns: int = 8,
                subtitle: str = "", names: list[str] | None = None) -> Image.Image:
    """Every map of a layer in a grid, named ("#i", or the class for a decision unit); dead
    ones framed and crossed out in red with their whole reason below (wrapped, never cut)."""
    items = maps.maps
    h, w = items[0].image.shape if items else (1, 1)
    f = upscale_factor((h, w))
    cw, ch = w * f, h * f
    cols = max(1, min(columns, len(items)))
    rows = max(1, math.ceil(len(items) / cols))
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    reasons = {m.index: _wrap_px(probe, m.dead_reason or "dead", cw, 11) for m in items if m.dead}
    label_h = 18 + 14 * max((len(r) for r in reasons.values()), default=0)
    title = f"{maps.run_id}  ·  {maps.layer} ({maps.kind}, {len(items)} " \
            f"{'filters' if maps.kind == 'conv2d' else 'units'})  ·  {maps.dead_count} dead, " \
            "judged by their maps"
    sub = subtitle or _settings_line(maps, variant_name)
    width = max(PAD + cols * (cw + PAD), _text_w(probe, title, 16) + 2 * PAD,
                _text_w(probe, sub, 12) + 2 * PAD)
    top = 52
    height = top + rows * (ch + label_h + PAD) + PAD
    sheet = Image.new("RGB", (width, height), BG)
    draw = ImageDraw.Draw(sheet)
    draw.text((PAD, 8), title, fill=INK, font=font(16))
    draw.text((PAD, 30), sub, fill=FAINT, font=font(12))
    for k, m in enumerate(items):
        r, c = divmod(k, cols)
        x, y = PAD + c * (cw + PAD), top + r * (ch + label_h + PAD)
        sheet.paste(to_pil(variant(m.image, variant_name), f), (x, y))
        name = names[m.index] if names and m.index < len(names) and not \
            names[m.index].startswith(("filter #", "unit #")) else f"#{m.index}"
        draw.text((x, y + ch + 2), name + (" dead" if m.dead else ""),
                  fill=DEAD if m.dead else INK, font=font(11))
        if m.dead:
            for i, line in enumerate(reasons[m.index]):
                draw.text((x, y + ch + 16 + 14 * i), line, fill=DEAD, font=font(11))
            _mark_dead(draw, (x, y, x + cw, y + ch))
    return sheet


def _settings_line(maps: LayerMaps, variant_name: str) -> str:
    s = maps.settings
    words = {"steps": "{} optimisation steps", "seed": "seed {}", "lr": "learning rate {}"}
    text = ", ".join(words[k].format(s[k]) for k in words if k in s)
    return f"{variant_name} maps  ·  {text}" if text else f"{variant_name} maps"


def cka_image(layers_a: list[str], layers_b: list[str], cka: np.ndarray, title: str,
              subtitle: str = "", label_a: str = "A", label_b: str = "B") -> Image.Image:
    """The CKA matrix as a heat map: A's layers down, B's across, the value in each cell."""
    cell = 58
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    left = max(_text_w(probe, n, 12) for n in layers_a) + 2 * PAD + 18
    sub_lines = textwrap.wrap(subtitle, 100) or [""]
    legend_y = 30 + 16 * len(sub_lines)
    top = legend_y + 28
    grid_w, grid_h = cell * len(layers_b), cell * len(layers_a)
    bottom = max(_text_w(probe, n, 12) for n in layers_b) + 2 * PAD + 18
    bar = 50
    width = max(left + grid_w + bar + 2 * PAD, _text_w(probe, title, 15) + 2 * PAD,
                max(_text_w(probe, line, 12) for line in sub_lines) + 2 * PAD)
    img = Image.new("RGB", (width, top + grid_h + bottom), BG)
    draw = ImageDraw.Draw(img)
    draw.text((PAD, 8), title, fill=INK, font=font(15))
    for k, line in enumerate(sub_lines):
        draw.text((PAD, 30 + 16 * k), line, fill=FAINT, font=font(12))
    rgb = colormaps.apply(np.nan_to_num(cka, nan=0.0), "viridis")
    for i, _ in enumerate(layers_a):
        for j, _ in enumerate(layers_b):
            x, y = left + j * cell, top + i * cell
            v = cka[i, j]
            fill = (200, 200, 200) if np.isnan(v) else tuple(int(c) for c in rgb[i, j])
            draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill=fill, outline=BG)
            text = "-" if np.isnan(v) else f"{v:.2f}"
            ink = INK if np.isnan(v) or v > 0.55 else BG   # dark text on viridis' bright end
            tw = _text_w(draw, text, 14)
            draw.text((x + (cell - tw) // 2, y + cell // 2 - 8), text, fill=ink, font=font(14))
    for i, name in enumerate(layers_a):
        tw = _text_w(draw, name, 12)
        draw.text((left - PAD - tw, top + i * cell + cell // 2 - 7), name, fill=INK, font=font(12))
    for j, name in enumerate(layers_b):  # B's names written downwards under their column
        tw = _text_w(draw, name, 12)
        label = Image.new("RGBA", (tw + 4, 18), (0, 0, 0, 0))
        ImageDraw.Draw(label).text((2, 1), name, fill=INK, font=font(12))
        label = label.rotate(90, expand=True)
        img.paste(label, (left + j * cell + cell // 2 - 9, top + grid_h + PAD), label)
    draw.text((PAD, legend_y), f"rows: {label_a}  ·  columns: {label_b}", fill=FAINT,
              font=font(12))
    x0 = left + grid_w + PAD + 6
    for k in range(grid_h):
        c = tuple(int(v) for v in colormaps.apply(1 - k / max(1, grid_h - 1), "viridis"))
        draw.line((x0, top + k, x0 + 12, top + k), fill=c)
    draw.text((x0 + 16, top - 2), "1", fill=INK, font=font(11))
    draw.text((x0 + 16, top + grid_h - 12), "0", fill=INK, font=font(11))
    return img


def matched_sheet(title: str, pairs: list[tuple[FilterMap | None, FilterMap | None, float]],
                  unique_a: list[int], unique_b: list[int], variant_name: str = "stretched",
                  per_row: int = 4, silent_a: list[int] = (), silent_b: list[int] = ()
                  ) -> Image.Image:
    """Matched maps side by side (A's then B's, with the correlation), best pairs first."""
    shape = next((m.image.shape for p in pairs for m in p[:2] if m is not None), (30, 32))
    f = upscale_factor(shape, 84)
    cw, ch = shape[1] * f, shape[0] * f
    pair_w = 2 * cw + 3 * PAD
    cols = max(1, min(per_row, len(pairs)))
    rows = max(1, math.ceil(len(pairs) / cols))
    label_h = 18
    notes = [f"unique to A (no partner at r >= threshold): {_ids(unique_a)}",
             f"unique to B: {_ids(unique_b)}"]
    if silent_a or silent_b:
        notes.append(f"silent on the probe (never vary): A {_ids(list(silent_a))}; "
                     f"B {_ids(list(silent_b))}")
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    width = max(PAD + cols * pair_w, _text_w(probe, title, 15) + 2 * PAD,
                max(_text_w(probe, n, 12) for n in notes) + 2 * PAD)
    top = 36
    height = top + rows * (ch + label_h + PAD) + len(notes) * 18 + PAD
    img = Image.new("RGB", (width, height), BG)
    draw = ImageDraw.Draw(img)
    draw.text((PAD, 8), title, fill=INK, font=font(15))
    for k, (ma, mb, r) in enumerate(pairs):
        row, col = divmod(k, cols)
        x, y = PAD + col * pair_w, top + row * (ch + label_h + PAD)
        for dx, m in ((0, ma), (cw + PAD, mb)):
            if m is not None:
                img.paste(to_pil(variant(m.image, variant_name), f), (x + dx, y))
            else:
                draw.rectangle((x + dx, y, x + dx + cw - 1, y + ch - 1), outline=FAINT)
        ia = ma.index if ma is not None else "?"
        ib = mb.index if mb is not None else "?"
        draw.text((x, y + ch + 2), f"A#{ia} <-> B#{ib}  r={r:.2f}", fill=INK, font=font(11))
    y = top + rows * (ch + label_h + PAD)
    for n in notes:
        draw.text((PAD, y), n, fill=FAINT, font=font(12))
        y += 18
    return img


def _ids(units: list[int], limit: int = 24) -> str:
    if not units:
        return "none"
    text = ", ".join(f"#{u}" for u in units[:limit])
    return text + (f" and {len(units) - limit} more" if len(units) > limit else "")


def attention_panel(grey: np.ndarray, results: list, title: str = "", factor: int = 4,
                    colormap: str = "jet", alpha: float = 0.5) -> Image.Image:
    """The input face, then one overlay per attention result, enlarged, with captions."""
    from faceviz_gui.core.attention.methods import METHOD_NAMES, overlay

    h, w = grey.shape
    cw, ch = w * factor, h * factor
    tiles = [("input", Image.fromarray(np.round(np.clip(grey, 0, 1) * 255).astype(np.uint8))
              .convert("RGB"))]
    for r in results:
        tiles.append((METHOD_NAMES.get(r.method, r.method) + f" ({r.target_class})",
                      Image.fromarray(overlay(grey, r.heatmap, alpha, colormap))))
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    top = 30 if title else PAD
    width = max(PAD + len(tiles) * (cw + PAD), _text_w(probe, title, 14) + 2 * PAD)
    img = Image.new("RGB", (width, top + ch + 22), BG)
    draw = ImageDraw.Draw(img)
    if title:
        draw.text((PAD, 8), title, fill=INK, font=font(14))
    for k, (caption, tile) in enumerate(tiles):
        x = PAD + k * (cw + PAD)
        img.paste(tile.resize((cw, ch), Image.NEAREST), (x, top))
        draw.text((x, top + ch + 3), caption, fill=INK, font=font(12))
    return img
