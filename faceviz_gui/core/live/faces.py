"""Find a face in a frame or photo and crop it the way the CMU images are framed.

The networks only ever saw CMU shots: a head and shoulders filling a 128:120 frame. A webcam
frame or a phone photo has the face anywhere and at any size, so before predicting we find
the face with OpenCV's Haar cascades (frontal, and the profile cascade on the frame and its
mirror image, since the cascade only knows faces turned one way) and cut out the region
where a CMU image would have put its borders around that face.

Where CMU puts the face was measured, not guessed: the cascades were run on the 128x120
images of the 17 people in the shared copy (2x upsampled) and the median box per detector
kind gives FRAMING below. The frontal numbers come from the "straight" shots (132 of 132
found); the profile numbers are the mean of the two mirrored kinds (36 and 60 found).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import cv2
import numpy as np

from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.live.finder_choice import FINDER_ENV, FINDERS, chosen
from faceviz_gui.core.live.frame_borders import picture_bounds

# kind -> (box centre x, box centre y, box width), as fractions of the CMU image width/height.
FRAMING: dict[str, tuple[float, float, float]] = {
    "frontal": (0.489, 0.503, 0.395),
    # the profile cascade finds faces turned to the image's left: the subject's right
    "profile": (0.417, 0.50, 0.46),
    # mirrored: turned to the image's right, the subject's left
    "profile_mirrored": (0.583, 0.50, 0.46),
}
CMU_ASPECT = 120 / 128      # height / width of every CMU image
_KINDS = ("frontal", "profile", "profile_mirrored")
_PROFILES = _KINDS[1:]
PROFILE_OVER_FRONTAL = 0.8   # profile/frontal score ratio that prefers the profile box (_turned)
# A stream's whole-frame search (no face tracked) is cut into passes, one per frame: each
# cascade over big faces (windows from BAND_SPLIT x the smallest face up), then each over the
# small ones (up to one scale step past the split, so a face on the boundary is seen whole
# by one pass). Measured on textured frames without a face: one cascade over all sizes cost
# 12-24 ms CPU, either band about half. The union of the six passes is the one-pass search.
BAND_SPLIT = 1.5
_CASCADES = {"frontal": "haarcascade_frontalface_default.xml",
             "profile": "haarcascade_profileface.xml"}


@dataclass(frozen=True)
class Box:
    """A face box in frame pixels; ``kind`` says which cascade found it."""
    x: float
    y: float
    w: float
    h: float
    kind: str = "frontal"
    score: float = 0.0

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def as_int(self) -> tuple[int, int, int, int]:
        return int(round(self.x)), int(round(self.y)), int(round(self.w)), int(round(self.h))

    def iou(self, other: "Box") -> float:
        ix = max(0.0, min(self.x + self.w, other.x + other.w) - max(self.x, other.x))
        iy = max(0.0, min(self.y + self.h, other.y + other.h) - max(self.y, other.y))
        inter = ix * iy
        union = self.w * self.h + other.w * other.h - inter
        return inter / union if union > 0 else 0.0

    def scaled(self, s: float) -> "Box":
        return replace(self, x=self.x * s, y=self.y * s, w=self.w * s, h=self.h * s)


def to_grey_uint8(frame: np.ndarray) -> np.ndarray:
    """(H, W) or (H, W, 3|4) RGB(A), uint8 or float [0, 1] -> contiguous uint8 grey."""
    a = np.asarray(frame)
    if a.dtype != np.uint8:
        a = np.clip(np.nan_to_num(a.astype(np.float32)) * 255 + 0.5, 0, 255).astype(np.uint8)
    if a.ndim == 3:
        a = cv2.cvtColor(a, cv2.COLOR_RGBA2GRAY if a.shape[2] == 4 else cv2.COLOR_RGB2GRAY)
    elif a.ndim != 2:
        raise ValueError(f"a frame is (H, W) or (H, W, 3); got shape {a.shape}")
    return np.ascontiguousarray(a)


class FaceDetector:
    """Haar cascades; one per thread (OpenCV classifiers are not shared across threads here).

    Whole frames are searched at a working width of about ``work_size`` pixels (detection cost
    grows with pixels, and a face never needs more than ~60 px to be found). Given a ``hint``
    (the tracked box), only the region around it is searched for faces of a similar size,
    which is what makes per-frame detection cheap while a face is in view.
    """

    def __init__(self, work_size: int = 320, min_face: float = 0.12,
                 scale_factor: float = 1.2, min_neighbors: int = 3, bands: bool = True):
        base = cv2.data.haarcascades
        self._frontal = cv2.CascadeClassifier(base + _CASCADES["frontal"])
        self._profile = cv2.CascadeClassifier(base + _CASCADES["profile"])
        if self._frontal.empty() or self._profile.empty():
            raise RuntimeError("OpenCV's Haar cascade files are missing (opencv-python-headless<5 ships them)")
        self.work_size = work_size
        self.min_face = min_face          # smallest face, as a fraction of the frame's short side
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self.bands = bands                # False: a stream's pass covers every size (bench)
        self._turn = 0

    def restart(self) -> None:
        """A new source: the next whole-frame searches start again with the big faces."""
        self._turn = 0

    def detect(self, grey: np.ndarray, hint: Box | None = None, cycle: bool = False) -> Box | None:
        """The best face, searching near ``hint`` first. ``cycle=True`` (video) runs only one
        cascade over one band of face sizes per whole-frame search, in turn (big faces first,
        see BAND_SPLIT): a face is found within six frames (big ones within three), and a
        frame without a face costs one cascade over half the sizes."""
        grey = to_grey_uint8(grey)
        box = None
        if hint is not None:
            box = self._near(grey, hint, ("frontal",)) or self._near(grey, hint, _PROFILES)
        if box is None:
            box = self._detect_whole(grey, cycle)
        if box is not None and box.kind == "frontal":
            box = self._turned(grey, box)
        return box

    def _turned(self, grey: np.ndarray, frontal: Box) -> Box:
        """The frontal cascade also fires on half-turned faces, with a box that sits off the
        head; where the profile cascade finds the same face about as surely, CMU framing
        from the profile box is closer. On CMU shots pasted into frames the profile score
        reached 0.8x the frontal one on 12 of 15 turned faces that both cascades found, and
        on none of 12 straight ones (those score far higher as frontal faces)."""
        # profile boxes measured 1.17x the frontal width, centred within a quarter width of it
        prof = self._near(grey, frontal, _PROFILES, margin=0.3, sizes=(0.9, 1.5))
        if prof is not None and prof.score > 1.0 and prof.score >= PROFILE_OVER_FRONTAL * frontal.score:
            return prof
        return frontal

    def _detect_whole(self, grey: np.ndarray, cycle: bool = False) -> Box | None:
        h, w = grey.shape
        s = self.work_size / max(h, w)
        work = cv2.resize(grey, (max(1, round(w * s)), max(1, round(h * s))),
                          interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        min_px = max(20, int(self.min_face * min(work.shape)))
        max_px = None
        if cycle:
            step = self._turn % (2 * len(_KINDS) if self.bands else len(_KINDS))
            kinds = (_KINDS[step % len(_KINDS)],)
            if self.bands:
                split = int(min_px * BAND_SPLIT)
                min_px, max_px = ((split, None) if step < len(_KINDS)
                                  else (min_px, int(split * self.scale_factor) + 1))
            self._turn += 1
        else:  # frontal first; the profiles only when no frontal face is there
            kinds = ("frontal",)
        box = self._best(work, kinds, min_px, max_px)
        if box is None and not cycle:
            box = self._best(work, _PROFILES, min_px, None)
        return box.scaled(1 / s) if box is not None else None

    def _near(self, grey: np.ndarray, hint: Box, kinds, margin: float = 0.5,
              sizes: tuple[float, float] = (0.7, 1.45)) -> Box | None:
        """A face sized ``sizes`` times ``hint``'s, in the region around it grown by ``margin``
        box widths each side (cheap: a small image, few scales)."""
        h, w = grey.shape
        x0, y0 = max(0, int(hint.x - hint.w * margin)), max(0, int(hint.y - hint.h * margin))
        x1 = min(w, int(hint.x + hint.w * (1 + margin)))
        y1 = min(h, int(hint.y + hint.h * (1 + margin)))
        if x1 - x0 < 24 or y1 - y0 < 24:
            return None
        # Shrink the region so the face is ~48 px: twice the cascade's 24 px window.
        s = min(1.0, 48.0 / max(hint.w, 1.0))
        roi = grey[y0:y1, x0:x1]
        if s < 1:
            roi = cv2.resize(roi, (max(1, round(roi.shape[1] * s)), max(1, round(roi.shape[0] * s))),
                             interpolation=cv2.INTER_AREA)
        size = hint.w * s
        box = self._best(roi, kinds, max(20, int(size * sizes[0])), int(size * sizes[1]) + 1)
        if box is None:
            return None
        box = box.scaled(1 / s)
        return replace(box, x=box.x + x0, y=box.y + y0)

    def _best(self, img: np.ndarray, kinds, min_px: int, max_px: int | None) -> Box | None:
        found = []
        for kind in kinds:
            cascade = self._frontal if kind == "frontal" else self._profile
            found += self._run(cascade, img, kind, min_px, max_px, kind == "profile_mirrored")
        return max(found, key=lambda b: b.score * b.w) if found else None

    def _run(self, cascade, img, kind, min_px, max_px, mirrored) -> list[Box]:
        src = np.ascontiguousarray(img[:, ::-1]) if mirrored else img
        if min(src.shape) < min_px:
            return []
        kwargs = {"minSize": (min_px, min_px)}
        if max_px:
            kwargs["maxSize"] = (max_px, max_px)
        rects, _, weights = cascade.detectMultiScale3(
            src, self.scale_factor, self.min_neighbors, outputRejectLevels=True, **kwargs)
        out = []
        for (x, y, bw, bh), wt in zip(np.asarray(rects).reshape(-1, 4), np.ravel(weights)):
            if mirrored:
                x = src.shape[1] - x - bw
            out.append(Box(float(x), float(y), float(bw), float(bh), kind, float(wt)))
        return out


def new_detector():
    """A face finder for photo folders and the live pipeline: the one FACEVIZ_FACE_FINDER
    names, "centerface" (live/centerface.py, the default where its model is installed: finds
    turned faces the cascades miss) or "haar" (these cascades)."""
    name = chosen()
    if name == "haar":
        return FaceDetector()
    if name == "centerface":
        from faceviz_gui.core.live.centerface import CenterFaceDetector, model_path
        model_path()  # one line now, not at the first photo, if the model is not installed
        return CenterFaceDetector()
    raise FaceVizError(f"{FINDER_ENV}={name!r}: use one of {', '.join(FINDERS)}")


_local = threading.local()


def default_detector() -> FaceDetector:
    det = getattr(_local, "detector", None)
    if det is None:
        det = _local.detector = FaceDetector()
    return det


def detect_face(grey: np.ndarray, hint: Box | None = None) -> Box | None:
    """The best face in ``grey`` (any frame: uint8/float, grey/RGB), or None."""
    return default_detector().detect(grey, hint)


# ----------------------------------------------------------------------------- framing


def cmu_rect(box: Box) -> tuple[float, float, float, float]:
    """(x, y, w, h) of the region a CMU image would show around ``box``."""
    fx, fy, fw = FRAMING.get(box.kind, FRAMING["frontal"])
    w = box.w / fw
    h = w * CMU_ASPECT
    return box.cx - fx * w, box.cy - fy * h, w, h


def centred_rect(shape: tuple[int, ...]) -> tuple[float, float, float, float]:
    """The largest centred 128:120 region of a frame: the fallback when no face is found."""
    fh, fw = shape[:2]
    w = min(fw, fh / CMU_ASPECT)
    h = w * CMU_ASPECT
    return (fw - w) / 2, (fh - h) / 2, w, h


def crop_rect(frame: np.ndarray, rect, size: tuple[int, int]) -> np.ndarray:
    """Grey float32 (H, W) in [0, 1] of ``rect`` (x, y, w, h; may leave the frame: the edge
    pixels of the picture are repeated, as a camera frame would continue, blank capture
    borders left out: frame_borders.py), area-resampled to ``size``."""
    grey = to_grey_uint8(frame)
    bx0, by0, bx1, by1 = picture_bounds(grey)
    grey = grey[by0:by1, bx0:bx1]
    fh, fw = grey.shape
    x, y, w, h = (int(round(v)) for v in rect)
    x, y = x - bx0, y - by0
    w, h = max(w, 1), max(h, 1)
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, fw), min(y + h, fh)
    if x1 <= x0 or y1 <= y0:  # wholly outside: nothing to show but the nearest edge
        x0, y0 = min(max(x, 0), fw - 1), min(max(y, 0), fh - 1)
        x1, y1 = x0 + 1, y0 + 1
    part = grey[y0:y1, x0:x1]
    pads = (y0 - y, (y + h) - y1, x0 - x, (x + w) - x1)
    if any(p > 0 for p in pads):
        part = cv2.copyMakeBorder(part, *(max(0, p) for p in pads), cv2.BORDER_REPLICATE)
    H, W = size
    interp = cv2.INTER_AREA if part.shape[0] >= H else cv2.INTER_LINEAR
    out = cv2.resize(part, (W, H), interpolation=interp)
    return out.astype(np.float32) / 255.0


def crop_to_cmu(frame: np.ndarray, box: Box | None, size: tuple[int, int]) -> np.ndarray:
    """The CMU-framed crop around ``box`` (a centred crop when ``box`` is None)."""
    rect = cmu_rect(box) if box is not None else centred_rect(np.shape(frame))
    return crop_rect(frame, rect, size)


# ----------------------------------------------------------------------------- tracking


@dataclass(frozen=True)
class Track:
    box: Box                                 # smoothed face box
    rect: tuple[float, float, float, float]  # smoothed CMU crop region
    found: bool                              # detected in this frame (else remembered)
    misses: int                              # frames since the last detection


class FaceTracker:
    """Smooths the face box and crop region over frames and bridges short dropouts.

    The crop region is smoothed rather than derived from the smoothed box, so switching
    between the frontal and a profile cascade (whose boxes sit differently on the head)
    glides instead of jumping. A box that lands far from the last one (a new face, a cut)
    is taken as it is.
    """

    def __init__(self, alpha: float = 0.5, hold: int = 5):
        self.alpha = alpha
        self.hold = hold
        self._last: Track | None = None

    @property
    def last(self) -> Track | None:
        return self._last

    def reset(self) -> None:
        self._last = None

    def update(self, box: Box | None) -> Track | None:
        last = self._last
        if box is None:
            if last is None or last.misses + 1 > self.hold:
                self._last = None
                return None
            self._last = replace(last, found=False, misses=last.misses + 1)
            return self._last
        rect = cmu_rect(box)
        if last is not None and box.iou(last.box) > 0.1:
            a = self.alpha
            mix = lambda old, new: tuple(o + a * (n - o) for o, n in zip(old, new))
            bx = mix((last.box.x, last.box.y, last.box.w, last.box.h), (box.x, box.y, box.w, box.h))
            box = Box(*bx, kind=box.kind, score=box.score)
            rect = mix(last.rect, rect)
        self._last = Track(box, tuple(rect), True, 0)
        return self._last


_FOLDER_NAMES = ("CroppedFolder", "labelled_files", "loose_files", "crop_folder", "crop_files",
                 "load_cropped_folder")


def __getattr__(name: str):
    # The photo-folder helpers live in faces_folder.py (this file stays about one frame);
    # they are still reachable as faces.load_cropped_folder etc.
    if name in _FOLDER_NAMES:
        from faceviz_gui.core.live import faces_folder
        return getattr(faces_folder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
