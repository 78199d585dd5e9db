"""The diagnosis's pictures, drawn with Pillow and numpy (no matplotlib): sensitivity curves,
attention shares, layer shifts, the embedding, and each mistake's sensitivity strip.

Every function returns a PIL image; the report embeds them and the CLI saves them as PNGs.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from faceviz_gui.core.export.sheets import font

INK, FAINT, GRID = (30, 30, 30), (120, 120, 120), (228, 228, 228)
BAND = (214, 238, 214)
FOLDER, P_TRUE, TRAIN, GAP = (31, 119, 180), (140, 186, 222), (150, 150, 150), (230, 120, 20)
CLASS_COLOURS = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (255, 127, 14),
                 (140, 86, 75), (227, 119, 194), (23, 190, 207)]
REGION_COLOURS = {"face": (44, 160, 44), "hair": (140, 86, 75), "clothes": (148, 103, 189),
                  "background": (190, 190, 190)}


class Axes:
    """A plot box mapping data to pixels, with a frame, ticks and titles."""

    def __init__(self, draw, box, xlim, ylim, title="", xlabel=""):
        self.d, self.box = draw, box
        self.xlim = (xlim[0], xlim[1] if xlim[1] > xlim[0] else xlim[0] + 1)
        self.ylim = ylim
        x0, y0, x1, y1 = box
        draw.rectangle(box, outline=FAINT)
        if title:
            draw.text((x0, y0 - 18), title, fill=INK, font=font(12))
        if xlabel:
            draw.text((x0, y1 + 16), xlabel, fill=FAINT, font=font(10))

    def px(self, x, y):
        x0, y0, x1, y1 = self.box
        fx = (x - self.xlim[0]) / (self.xlim[1] - self.xlim[0])
        fy = (y - self.ylim[0]) / (self.ylim[1] - self.ylim[0])
        return x0 + fx * (x1 - x0), y1 - fy * (y1 - y0)

    def ticks(self, xs, ys, xfmt="{:g}", yfmt="{:.1f}"):
        for y in ys:
            _, py = self.px(self.xlim[0], y)
            self.d.line([(self.box[0], py), (self.box[2], py)], fill=GRID)
            self.d.text((self.box[0] - 26, py - 6), yfmt.format(y), fill=FAINT, font=font(10))
        for x in xs:
            px, _ = self.px(x, self.ylim[0])
            self.d.line([(px, self.box[3]), (px, self.box[3] + 3)], fill=FAINT)
            self.d.text((px - 10, self.box[3] + 4), xfmt.format(x), fill=FAINT, font=font(10))

    def band(self, lo, hi, colour=BAND):
        lo, hi = max(lo, self.xlim[0]), min(hi, self.xlim[1])
        if hi < lo:
            return
        a, _ = self.px(lo, 0)
        b, _ = self.px(hi, 0)
        self.d.rectangle([a, self.box[1] + 1, max(b, a + 2), self.box[3] - 1], fill=colour)

    def line(self, xs, ys, colour, width=2, dots=True, dashed=False):
        pts = [self.px(x, y) for x, y in zip(xs, ys) if self.xlim[0] <= x <= self.xlim[1]]
        if dashed:
            for a, b in zip(pts[::1], pts[1:]):
                mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
                self.d.line([a, mid], fill=colour, width=width)
        elif len(pts) > 1:
            self.d.line(pts, fill=colour, width=width)
        if dots:
            for x, y in pts:
                self.d.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)


def _legend(draw, x, y, items):
    for label, colour in items:
        draw.rectangle([x, y + 3, x + 14, y + 11], fill=colour)
        draw.text((x + 18, y), label, fill=INK, font=font(11))
        x += 26 + int(draw.textlength(label, font=font(11)))


def sensitivity_grid(diag, columns: int = 4, cell=(300, 210)) -> Image.Image:
    """One small plot per factor: the folder's accuracy and mean true-class probability, the
    training images' accuracy on the same axis, and the training range shaded."""
    from faceviz_gui.core.diagnose.findings import metric
    from faceviz_gui.core.diagnose.perturb import factor
    from faceviz_gui.core.diagnose.sensitivity import train_axis

    m, words = metric(diag)
    names = list(diag.curves)
    rows = max(1, -(-len(names) // columns))
    im = Image.new("RGB", (columns * cell[0] + 20, rows * cell[1] + 50), "white")
    d = ImageDraw.Draw(im)
    _legend(d, 14, 8, [(f"these images: {words}", FOLDER), ("p(true class)", P_TRUE),
                       (f"training images: {words}", TRAIN), ("training range", BAND),
                       ("these images as they are", GAP)])
    for k, name in enumerate(names):
        c, f = diag.curves[name], factor(name)
        x0 = 10 + (k % columns) * cell[0] + 34
        y0 = 50 + (k // columns) * cell[1] + 22
        xs = c.values
        ax = Axes(d, (x0, y0, x0 + cell[0] - 50, y0 + cell[1] - 70), (min(xs), max(xs)),
                  (0, 1.02), title=name, xlabel=f.label[:46])
        lo, hi = diag.covered.get(name, (f.identity, f.identity))
        ax.band(lo, hi)
        ax.ticks(xs[:: max(1, len(xs) // 4)], (0, 0.5, 1.0))
        gx, _ = ax.px(f.identity, 0)
        d.line([(gx, y0), (gx, y0 + cell[1] - 70)], fill=GAP, width=1)
        tc = diag.train_curves.get(name)
        if tc is not None:
            ax.line(train_axis(name, tc.values, diag.gaps.get(name)), getattr(tc, m), TRAIN,
                    dots=False)
        ax.line(xs, c.p_true, P_TRUE, width=1, dots=False)
        ax.line(xs, getattr(c, m), FOLDER)
    return im


def stacked_shares(rows: list[tuple[str, dict]], width=620) -> Image.Image:
    """Horizontal bars, one per row label, split into attention regions."""
    from faceviz_gui.core.diagnose.attention_share import REGIONS
    rows = [(label, s) for label, s in rows if s]
    im = Image.new("RGB", (width, 40 + 26 * len(rows)), "white")
    d = ImageDraw.Draw(im)
    _legend(d, 150, 6, [(r, REGION_COLOURS[r]) for r in REGIONS])
    x0, x1 = 150, width - 20
    for i, (label, s) in enumerate(rows):
        y = 32 + 26 * i
        d.text((8, y + 3), label[:22], fill=INK, font=font(11))
        x = x0
        for r in REGIONS:
            w = s.get(r, 0.0) * (x1 - x0)
            d.rectangle([x, y, x + w, y + 18], fill=REGION_COLOURS[r])
            if w > 30:
                d.text((x + 4, y + 3), f"{s.get(r, 0):.0%}", fill="white", font=font(10))
            x += w
    return im


def layer_bars(shifts, breaking=None, width=640, height=260) -> Image.Image:
    """Per layer: the folder's activation shift beside the unseen CMU test images'."""
    im = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(im)
    if not shifts:
        return im
    _legend(d, 50, 6, [("these images", FOLDER), ("unseen CMU test images", TRAIN)])
    top = max(max(s.shift for s in shifts), 1e-3) * 1.1
    ax = Axes(d, (50, 34, width - 10, height - 50), (0, len(shifts)), (0, top))
    ax.ticks([], np.linspace(0, top, 4)[1:], yfmt="{:.1f}")
    for i, s in enumerate(shifts):
        a, _ = ax.px(i + 0.15, 0)
        b, yb = ax.px(i + 0.5, s.shift)
        _, yr = ax.px(0, s.reference if np.isfinite(s.reference) else 0)
        c, _ = ax.px(i + 0.85, 0)
        d.rectangle([a, yb, b, height - 50], fill=GAP if breaking is s else FOLDER)
        d.rectangle([b, yr, c, height - 50], fill=TRAIN)
        d.text((a, height - 44 + 12 * (i % 2)), s.layer, fill=INK, font=font(10))
    return im


def scatter(diag, colour_by: str = "class", size=(520, 420)):
    """The embedding: training images small and faint, the folder's large; returns the image
    and each folder point's pixel position (for hover)."""
    e = diag.embedding
    im = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(im)
    pts = np.vstack([e.train_points, e.points])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
    ax = Axes(d, (20, 30, size[0] - 20, size[1] - 20), (lo[0] - 0.05 * span[0], hi[0] + 0.05 * span[0]),
              (lo[1] - 0.05 * span[1], hi[1] + 0.05 * span[1]))
    _legend(d, 20, 6, [(c, CLASS_COLOURS[i % 8]) for i, c in enumerate(diag.classes)]
            + [("training: dots, these: rings", FAINT)])
    for (x, y), lab in zip(e.train_points, diag.train.labels):
        px, py = ax.px(x, y)
        d.ellipse([px - 2, py - 2, px + 2, py + 2], fill=_faded(CLASS_COLOURS[lab % 8]))
    where = []
    keys = _colour_keys(diag, colour_by)
    for (x, y), key, ok in zip(e.points, keys, diag.correct):
        px, py = ax.px(x, y)
        col = CLASS_COLOURS[key % 8]
        d.ellipse([px - 5, py - 5, px + 5, py + 5], outline=col, width=2,
                  fill=None if ok else (255, 255, 255))
        if not ok:
            d.line([px - 3, py - 3, px + 3, py + 3], fill=col)
        where.append((round(px), round(py)))
    return im, where


def _colour_keys(diag, colour_by: str) -> list[int]:
    if colour_by == "person":
        people = sorted(set(diag.folder.people))
        return [people.index(p) for p in diag.folder.people]
    return [int(v) for v in diag.folder.labels]


def _faded(c):
    return tuple(int(v + (255 - v) * 0.55) for v in c)


def sensitivity_strip(diag, i: int, cell: int = 9) -> Image.Image:
    """Image ``i``'s own sensitivity: a row per factor, a cell per value, coloured by the
    true class's probability (red 0, green 1); the value it has now is outlined."""
    from faceviz_gui.core.diagnose.perturb import factor
    names = list(diag.curves)
    width = max(len(diag.curves[n].values) for n in names)
    im = Image.new("RGB", (70 + width * cell, len(names) * cell + 2), "white")
    d = ImageDraw.Draw(im)
    table = _red_green()
    for r, name in enumerate(names):
        c = diag.curves[name]
        d.text((0, r * cell - 1), name, fill=FAINT, font=font(8))
        for j, v in enumerate(c.values):
            p = float(c.per_image[i, j])
            box = [70 + j * cell, r * cell + 1, 70 + (j + 1) * cell - 1, (r + 1) * cell]
            d.rectangle(box, fill=tuple(int(x) for x in table[int(round(p * 255))]),
                        outline=INK if v == factor(name).identity else None)
    return im


def _red_green() -> np.ndarray:
    t = np.linspace(0, 1, 256)[:, None]
    red, amber, green = np.array([215, 48, 39]), np.array([254, 224, 139]), np.array([26, 152, 80])
    return np.where(t < 0.5, red + (amber - red) * (t * 2), amber + (green - amber) * (t * 2 - 1))


def overlay_image(grey: np.ndarray, heat: np.ndarray, factor: int = 3) -> Image.Image:
    from faceviz_gui.core.attention.methods import overlay
    rgb = overlay(grey, heat, 0.5, "jet")
    im = Image.fromarray(rgb)
    return im.resize((im.width * factor, im.height * factor), Image.NEAREST)


def grey_image(grey: np.ndarray, factor: int = 3) -> Image.Image:
    im = Image.fromarray(np.round(np.clip(grey, 0, 1) * 255).astype(np.uint8), "L").convert("RGB")
    return im.resize((im.width * factor, im.height * factor), Image.NEAREST)

