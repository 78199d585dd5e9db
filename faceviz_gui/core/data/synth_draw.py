"""Drawing one synthetic CMU-style portrait: a grey head-and-shoulders shot, 128x120.

Geometry is in full-size pixel units and drawn at 2x for antialiasing. Pose follows CMU's
convention: "left" is the SUBJECT's left, so a left-facing face turns towards the IMAGE's
right (yaw = +1 below): features, nose tip and the face's silhouette move right, the ear and
the back of the hair show on the image's left. "up" lifts the features, shows the nostrils
and the underside of the chin, and lengthens the neck.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 128, 120
SS = 2  # supersampling factor
YAW = {"straight": 0.0, "left": 1.0, "right": -1.0, "up": 0.0}


@dataclass(frozen=True)
class Person:
    """What stays the same across one synthetic person's 32 shots."""
    name: str
    skin: int             # grey level 0..255
    hair: int
    hair_style: int       # 0 short, 1 long, 2 buzz, 3 curly, 4 bun
    rx: float             # head half-width
    ry: float             # head half-height
    glasses: bool
    beard: bool
    shirt: int
    shoulder: float       # shoulder half-width
    background: int
    clutter: tuple        # ((x0, y0, x1, y1, grey), ...) rectangles behind the person
    brow: int             # eyebrow darkness


def random_person(name: str, rng: np.random.Generator) -> Person:
    skin = int(rng.integers(85, 215))
    # hair far enough from skin to be visible, as on most real heads
    hair = int(rng.choice([rng.integers(10, max(11, skin - 50)),
                           rng.integers(min(skin + 40, 240), 250)]))
    clutter = []
    for _ in range(int(rng.integers(3, 7))):
        x0, y0 = rng.uniform(-10, WIDTH), rng.uniform(-10, HEIGHT * 0.7)
        w, h = rng.uniform(6, 45), rng.uniform(6, 60)
        clutter.append((x0, y0, x0 + w, y0 + h, int(rng.integers(30, 250))))
    return Person(
        name=name, skin=skin, hair=hair, hair_style=int(rng.integers(0, 5)),
        rx=float(rng.uniform(25, 31)), ry=float(rng.uniform(32, 38)),
        glasses=bool(rng.random() < 0.3), beard=bool(rng.random() < 0.2),
        shirt=int(rng.integers(20, 240)), shoulder=float(rng.uniform(44, 60)),
        background=int(rng.integers(60, 220)), clutter=tuple(clutter),
        brow=int(rng.integers(10, 70)))


class _Pen:
    """ImageDraw in full-size units at SS times the resolution."""

    def __init__(self, draw: ImageDraw.ImageDraw):
        self.d = draw

    def ellipse(self, cx, cy, rx, ry, fill=None, outline=None, width=1):
        self.d.ellipse([(cx - rx) * SS, (cy - ry) * SS, (cx + rx) * SS, (cy + ry) * SS],
                       fill=fill, outline=outline, width=max(1, int(width * SS)))

    def rect(self, x0, y0, x1, y1, fill):
        self.d.rectangle([x0 * SS, y0 * SS, x1 * SS, y1 * SS], fill=fill)

    def polygon(self, points, fill=None, outline=None):
        self.d.polygon([(x * SS, y * SS) for x, y in points], fill=fill, outline=outline)

    def line(self, points, fill, width=1.0):
        self.d.line([(x * SS, y * SS) for x, y in points], fill=fill, width=max(1, int(width * SS)))

    def chord(self, cx, cy, rx, ry, start, end, fill):
        self.d.chord([(cx - rx) * SS, (cy - ry) * SS, (cx + rx) * SS, (cy + ry) * SS],
                     start, end, fill=fill)

    def arc(self, cx, cy, rx, ry, start, end, fill, width=1.0):
        self.d.arc([(cx - rx) * SS, (cy - ry) * SS, (cx + rx) * SS, (cy + ry) * SS],
                   start, end, fill=fill, width=max(1, int(width * SS)))


def _lerp(a: float, b: float, t: float) -> float:
    """a at t = 0, b at t = 1, exactly: a full turn draws the very pixels it always drew."""
    return b if t == 1 else a + (b - a) * t


def draw_shot(p: Person, pose: str, expression: str, eyes: str,
              rng: np.random.Generator, amount: float = 1.0) -> np.ndarray:
    """One portrait as float32 (120, 128) in [0, 1]. ``amount`` (0 to 1] scales the turn or
    the lift of a left, right or up shot: 1 is CMU's near-profile turn and steep lift."""
    img = Image.new("L", (WIDTH * SS, HEIGHT * SS), p.background)
    pen = _Pen(ImageDraw.Draw(img))
    jx, jy = rng.uniform(-2, 2, size=2)
    for x0, y0, x1, y1, g in p.clutter:
        pen.rect(x0 + jx, y0 + jy, x1 + jx, y1 + jy, fill=g)
    yaw = YAW[pose] * amount
    up = amount if pose == "up" else 0.0  # how far the head is lifted, 0 to 1
    k = rng.uniform(0.95, 1.05)
    rx, ry = p.rx * k, p.ry * k * _lerp(1.0, 0.94, up)
    cx = WIDTH / 2 + rng.uniform(-4, 4)
    cy = 52 + rng.uniform(-3, 3) - _lerp(0, 4, up)

    _body(pen, p, cx, cy, rx, ry, yaw, up)
    if p.hair_style == 1:  # long hair falls behind the head and onto the shoulders
        pen.rect(cx - rx * 1.1 - yaw * 5, cy - ry * 0.3, cx + rx * 1.1 - yaw * 5, cy + ry * 1.25,
                 fill=p.hair)
    pen.ellipse(cx, cy, rx, ry, fill=p.skin)
    fx = cx + yaw * rx * 0.5          # where the features centre
    _hair(pen, p, cx, cy, rx, ry, yaw, up)
    if yaw:
        ex = cx - yaw * rx * 0.5       # the ear on the side turned away
        pen.ellipse(ex, cy + 2, 5, 8, fill=_shade(p.skin, -30))
        pen.ellipse(ex, cy + 2, 2.5, 4.5, fill=_shade(p.skin, -55))
    eye_y = cy - ry * _lerp(0.12, 0.42, up)
    nose_y = cy + ry * _lerp(0.25, 0.02, up)
    mouth_y = cy + ry * _lerp(0.55, 0.3, up)
    if p.beard:
        pen.chord(fx, mouth_y + 2, rx * 0.75, ry * 0.5, 0, 180, fill=_shade(p.hair, 10))
    if up:  # the underside of the chin, in shadow
        pen.chord(cx, cy + ry * 0.62, rx * 0.7, ry * 0.38, 0, 180,
                  fill=_shade(p.skin, round(_lerp(0, -22, up))))
    _eyes(pen, p, fx, eye_y, rx, yaw, up, expression, eyes)
    _nose(pen, p, cx, fx, eye_y, nose_y, rx, yaw, up)
    _mouth(pen, p, fx, mouth_y, rx, yaw, expression)

    img = img.filter(ImageFilter.GaussianBlur(0.6 * SS)).resize((WIDTH, HEIGHT), Image.BOX)
    out = np.asarray(img, dtype=np.float32) / 255.0
    return _light(out, rng)


def _shade(g: int, delta: int) -> int:
    return int(np.clip(g + delta, 0, 255))


def _body(pen, p, cx, cy, rx, ry, yaw, up):
    neck_top = cy + ry * 0.6
    pen.rect(cx - rx * 0.45 + yaw * 3, neck_top, cx + rx * 0.45 + yaw * 3, HEIGHT,
             fill=_shade(p.skin, -15))
    sy = cy + ry + _lerp(10, 14, up)  # shoulder line; the neck shows longer looking up
    pen.ellipse(cx, sy + 40, p.shoulder, 42, fill=p.shirt)
    pen.polygon([(cx - 9 + yaw * 3, sy - 3), (cx + 9 + yaw * 3, sy - 3), (cx + yaw * 3, sy + 9)],
                fill=_shade(p.skin, -15))


def _hair(pen, p, cx, cy, rx, ry, yaw, up):
    back = -yaw * rx * 0.25  # the back of the head shows on the side turned away
    top = _lerp(0.75, 0.55, up)
    if p.hair_style == 2:
        pen.chord(cx + back, cy - ry * 0.3, rx * 1.02, ry * 0.72, 180, 360,
                  fill=_shade(p.hair, (p.skin - p.hair) // 2))
        return
    pen.chord(cx + back, cy - ry * _lerp(0.3, 0.38, up), rx * 1.06, ry * top,
              180, 360, fill=p.hair)
    if yaw:  # hair covering the back of the head down to the ear
        pen.ellipse(cx - yaw * rx * 0.62, cy - ry * 0.35, rx * 0.42, ry * 0.45, fill=p.hair)
    if p.hair_style == 3:
        for a in np.linspace(200, 340, 7):
            t = np.radians(a)
            pen.ellipse(cx + back + rx * np.cos(t), cy + ry * 0.85 * np.sin(t), 6, 6, fill=p.hair)
    elif p.hair_style == 4:
        pen.ellipse(cx + back - yaw * rx * 0.5, cy - ry * 1.05, rx * 0.4, ry * 0.3, fill=p.hair)
    else:  # a fringe over the forehead
        pen.chord(cx + back + yaw * 4, cy - ry * _lerp(0.5, 0.6, up), rx * 0.85, ry * 0.2,
                  180, 360, fill=p.hair)


def _eyes(pen, p, fx, ey, rx, yaw, up, expression, eyes):
    spread = rx * _lerp(0.38, 0.26, abs(yaw))
    size = 3.6
    for side in (-1.0, 1.0):
        far = yaw != 0 and side == np.sign(yaw)  # the eye the face turns to is foreshortened
        x = fx + side * spread
        w = size * (_lerp(1.0, 0.6, abs(yaw)) if far else 1.0)
        h = size * _lerp(0.7, 0.55, up)
        inner = -side  # towards the nose
        brow_tilt = {"angry": 2.5, "sad": -2.0}.get(expression, 0.0)
        brow_y = ey - (6.5 if expression == "happy" else 5.5)
        pen.line([(x - w * 1.2, brow_y - brow_tilt * inner * 0.5),
                  (x + w * 1.2, brow_y + brow_tilt * inner * 0.5)], fill=p.brow, width=1.6)
        if eyes == "sunglasses":
            pen.ellipse(x, ey, w * 1.6, size * 1.1, fill=18)
        else:
            pen.ellipse(x, ey, w, h, fill=_shade(p.skin, 60))
            pen.ellipse(x + yaw * w * 0.4, ey, w * 0.45, h * 0.8, fill=25)
            if p.glasses:
                pen.ellipse(x, ey, w * 1.7, size * 1.2, outline=30, width=0.8)
    bridge = [(fx - spread + size, ey - 1), (fx + spread - size, ey - 1)]
    if eyes == "sunglasses" or p.glasses:
        pen.line(bridge, fill=25, width=1.0)
        if yaw:  # the temple arm runs back to the ear
            pen.line([(fx - yaw * (spread + size * 1.5), ey), (fx - yaw * rx * 0.95, ey + 1)],
                     fill=25, width=0.9)


def _nose(pen, p, cx, fx, ey, ny, rx, yaw, up):
    dark = _shade(p.skin, -50)
    if yaw:  # a profile nose sticks out past the cheek, the strongest pose cue
        tip = cx + yaw * rx * 1.18
        pen.polygon([(fx, ey + 1), (tip, ny + 1), (fx + yaw * 2, ny + 4)],
                    fill=_shade(p.skin, -25), outline=dark)
        pen.ellipse(fx + yaw * rx * 0.42, ny + 2, 1.3, 1, fill=dark)
        return
    pen.line([(fx, ey + 3), (fx - 1, ny)], fill=_shade(p.skin, -30), width=1.0)
    n = _lerp(1.0, 1.7, up)  # looking up shows the nostrils
    pen.ellipse(fx - 2.5, ny + 1, n, n * 0.8, fill=dark)
    pen.ellipse(fx + 2.5, ny + 1, n, n * 0.8, fill=dark)


def _mouth(pen, p, fx, my, rx, yaw, expression):
    w = rx * _lerp(0.42, 0.3, abs(yaw))
    x = fx + yaw * 2
    lip = _shade(p.skin, -70)
    if expression == "happy":
        pen.chord(x, my - 2, w, 5, 0, 180, fill=lip)
        pen.chord(x, my - 2, w * 0.8, 2.5, 0, 180, fill=_shade(p.skin, 55))
    elif expression == "sad":
        pen.arc(x, my + 3, w, 4, 200, 340, fill=lip, width=1.6)
    elif expression == "angry":
        pen.line([(x - w, my), (x + w, my)], fill=lip, width=2.2)
    else:
        pen.line([(x - w, my), (x + w * 0.95, my + 0.4)], fill=lip, width=1.4)


def _light(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Lighting from a random side, exposure and sensor noise, like the CMU lab shots."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * (xx / WIDTH - 0.5) + np.sin(angle) * (yy / HEIGHT - 0.5))
    gain = rng.uniform(0.8, 1.15) * (1 + rng.uniform(0.1, 0.45) * ramp)
    noise = rng.normal(0, rng.uniform(0.006, 0.02), img.shape).astype(np.float32)
    return np.clip(img * gain + noise, 0, 1).astype(np.float32)
