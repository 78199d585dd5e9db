"""gallery.pdf with real text: titles, settings, unit names and dead-filter reasons are PDF
text (searchable, copyable, what `pdftotext` reads), the maps are images beside them.

Pillow's PDF output was one picture per sheet: no text to search, and a dead filter's reason
trimmed to its cell. This is a small writer of its own (no new dependency): A4 landscape
pages, the standard Helvetica fonts (every PDF reader has them; Latin-1 text), grey maps as
Flate-compressed images drawn at a multiple of their size without smoothing, and captions
wrapped to their cell so nothing is cut. A large layer continues on further pages.
"""
from __future__ import annotations

import textwrap
import zlib

import numpy as np

from faceviz_gui.core.export.sheets import variant

PAGE_W, PAGE_H, MARGIN = 842.0, 595.0, 36.0  # A4 landscape, points
CELL_W, GAP = 88.0, 10.0
INK, FAINT, DEAD = (0.08, 0.08, 0.08), (0.4, 0.4, 0.4), (0.82, 0.12, 0.12)
AVG_CHAR = 0.55  # Helvetica's mean advance per point of size, a little generous: no overrun


def _escape(text: str) -> bytes:
    raw = text.replace("≥", ">=").replace("≤", "<=").encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def wrap(text: str, width_pt: float, size: float) -> list[str]:
    """Lines of ``text`` that fit ``width_pt`` at ``size`` (never cut: long words break)."""
    return textwrap.wrap(text, max(4, int(width_pt / (AVG_CHAR * size))), break_long_words=True) or [""]


class Page:
    def __init__(self) -> None:
        self.ops: list[bytes] = []
        self.images: list[tuple[int, int, bytes]] = []

    def text(self, x: float, y: float, text: str, size: float = 9, bold: bool = False,
             color=INK) -> None:
        """``y`` from the top of the page (PDF counts from the bottom)."""
        r, g, b = color
        self.ops.append(b"BT %.3f %.3f %.3f rg /F%d %.1f Tf 1 0 0 1 %.2f %.2f Tm (" % (
            r, g, b, 2 if bold else 1, size, x, PAGE_H - y - size) + _escape(text) + b") Tj ET")

    def lines(self, x: float, y: float, lines: list[str], size: float = 9, **kw) -> float:
        for i, line in enumerate(lines):
            self.text(x, y + i * size * 1.25, line, size, **kw)
        return y + len(lines) * size * 1.25

    def image(self, grey: np.ndarray, x: float, y: float, w: float, h: float) -> None:
        a = np.ascontiguousarray(grey, dtype=np.uint8)
        self.images.append((a.shape[1], a.shape[0], zlib.compress(a.tobytes(), 6)))
        self.ops.append(b"q %.2f 0 0 %.2f %.2f %.2f cm /Im%d Do Q" % (
            w, h, x, PAGE_H - y - h, len(self.images)))

    def cross(self, x: float, y: float, w: float, h: float, color=DEAD) -> None:
        r, g, b = color
        top, bottom = PAGE_H - y, PAGE_H - y - h
        self.ops.append(b"q %.3f %.3f %.3f RG 2 w %.2f %.2f %.2f %.2f re S %.2f %.2f m %.2f %.2f l "
                        b"%.2f %.2f m %.2f %.2f l S Q" % (
                            r, g, b, x - 1.5, bottom - 1.5, w + 3, h + 3, x, top, x + w, bottom,
                            x, bottom, x + w, top))


def to_pdf(pages: list[Page]) -> bytes:
    objs: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        4: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"}
    nxt, kids = 5, []
    for page in pages:
        names = []
        for k, (w, h, data) in enumerate(page.images, 1):
            objs[nxt] = (b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace "
                         b"/DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\n"
                         b"stream\n" % (w, h, len(data)) + data + b"\nendstream")
            names.append(b"/Im%d %d 0 R" % (k, nxt))
            nxt += 1
        content = zlib.compress(b"\n".join(page.ops))
        objs[nxt] = (b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content
                     + b"\nendstream")
        objs[nxt + 1] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.0f %.0f] /Resources "
                         b"<< /Font << /F1 3 0 R /F2 4 0 R >> /XObject << %s >> >> /Contents %d 0 R >>"
                         % (PAGE_W, PAGE_H, b" ".join(names), nxt))
        kids.append(nxt + 1)
        nxt += 2
    objs[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out, offsets = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), {}
    for i in sorted(objs):
        offsets[i] = len(out)
        out += b"%d 0 obj\n" % i + objs[i] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[i] for i in sorted(objs))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def gallery_pages(title: str, about: str, layer_maps, variants, names: dict[str, list[str]]
                  ) -> list[Page]:
    """One section per layer and variant: a heading, the settings, then the maps in a grid
    with each one's name, activation and, for a dead one, its whole reason."""
    pages: list[Page] = []
    for lm in layer_maps:
        for v in variants:
            pages += _layer_pages(title, about, lm, v, names.get(lm.layer, []))
    return pages


def _layer_pages(title: str, about: str, lm, v: str, names: list[str]) -> list[Page]:
    h, w = lm.maps[0].image.shape if lm.maps else (1, 1)
    map_w = CELL_W - 8
    map_h = map_w * h / w
    cols = max(1, int((PAGE_W - 2 * MARGIN + GAP) / (CELL_W + GAP)))
    caption = [_caption(m, names) for m in lm.maps]
    pages, k = [], 0
    while k < len(lm.maps) or not pages:
        page = Page()
        word = "filters" if lm.kind == "conv2d" else "units"
        head = (f"{lm.layer} ({lm.kind}, {len(lm.maps)} {word}): {lm.dead_count} dead, judged by "
                f"their maps  -  {v} maps" + ("  (continued)" if pages else ""))
        y = page.lines(MARGIN, MARGIN, [title], 13, bold=True)
        y = page.lines(MARGIN, y + 2, [head], 11, bold=True)
        y = page.lines(MARGIN, y + 2, wrap(about, PAGE_W - 2 * MARGIN, 8), 8, color=FAINT) + 8
        while k < len(lm.maps):
            row = caption[k:k + cols]
            row_h = map_h + 4 + max(len(c) for c in row) * 8 * 1.25 + GAP
            if y + row_h > PAGE_H - MARGIN and y > MARGIN + 80:
                break  # the next page
            for c, lines in enumerate(row):
                m = lm.maps[k + c]
                x = MARGIN + c * (CELL_W + GAP)
                page.image(np.round(variant(m.image, v) * 255).astype(np.uint8), x, y, map_w, map_h)
                if m.dead:
                    page.cross(x, y, map_w, map_h)
                page.text(x, y + map_h + 3, lines[0], 8, bold=True, color=DEAD if m.dead else INK)
                page.lines(x, y + map_h + 3 + 10, lines[1:], 8, color=DEAD if m.dead else FAINT)
            k += len(row)
            y += row_h
        pages.append(page)
    return pages


def _caption(m, names: list[str]) -> list[str]:
    name = names[m.index] if m.index < len(names) else f"#{m.index}"
    lines = [name, f"activation {m.activation:.3g}"]
    if m.dead:
        lines += wrap(f"dead: {m.dead_reason or 'no reason given'}", CELL_W, 8)
    return lines

