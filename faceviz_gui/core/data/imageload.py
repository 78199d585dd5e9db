"""Safe decoding of one image file into the network's grey [0, 1] input size.

Anything a user can point us at (PNG, JPEG, BMP, PGM/PPM, GIF, TIFF; RGB, RGBA, 16-bit, grey,
palette, CMYK; any size) becomes float32 (H, W) in [0, 1], or a short reason why not. Nothing
here raises on bad input: truncated files, wrong magic numbers, text named .png, directories
named like images, unreadable files and decompression bombs all come back as reasons.
"""
from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from faceviz_gui.core import safefiles
from faceviz_gui.core.data.pgm import MAX_PIXELS, PGMError, decode_pgm

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".pnm", ".pbm",
                            ".gif", ".tif", ".tiff", ".webp"})
MAX_FILE_BYTES = 512 * 1024 * 1024  # read whole into memory below this; no photo is bigger
_NETPBM = (".pgm", ".ppm", ".pnm", ".pbm")


def is_image_name(path: str | Path) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def resize_area(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize float32 (h, w) to ``size`` (H, W) with area averaging (antialiased when shrinking).

    CMU's smaller scales are block means of the full image, and INTER_AREA is exactly that for
    whole-number factors, so a photo shrunk here matches how the training images were made.
    """
    height, width = size
    if image.shape == (height, width):
        return image.astype(np.float32, copy=False)
    shrinking = image.shape[0] >= height and image.shape[1] >= width
    interp = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    out = cv2.resize(image.astype(np.float32, copy=False), (width, height), interpolation=interp)
    return np.clip(out, 0.0, 1.0)


def crop_to_aspect(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Centre-crop to the aspect ratio of ``size`` so resizing does not squash faces."""
    h, w = image.shape
    target = size[1] / size[0]  # width / height
    if abs(w / h - target) < 0.02:
        return image
    if w / h > target:
        new_w = max(1, round(h * target))
        x0 = (w - new_w) // 2
        return image[:, x0:x0 + new_w]
    new_h = max(1, round(w / target))
    y0 = (h - new_h) // 2
    return image[y0:y0 + new_h, :]


def _pil_to_grey(img: Image.Image) -> np.ndarray:
    """Any Pillow mode -> float32 (h, w) in [0, 1]; transparency composited on white."""
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(img, dtype=np.float64)
        # 16-bit files arrive as I;16 or as I; a 32-bit I image holding 8-bit data is rare
        top = 65535.0 if mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        return np.clip(arr / top, 0, 1).astype(np.float32)
    if mode == "F":
        arr = np.asarray(img, dtype=np.float32)
        top = float(arr.max(initial=0))
        return np.clip(arr / (top if top > 1 else 1.0), 0, 1).astype(np.float32)
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif mode in ("1", "CMYK", "YCbCr", "LAB", "HSV"):
        img = img.convert("RGB")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba).convert("RGB")
    if img.mode != "L":
        img = img.convert("L")  # ITU-R 601 luma, as Pillow defines grey
    return np.asarray(img, dtype=np.float32) / 255.0


def decode_image(path: str | Path, max_pixels: int = MAX_PIXELS
                 ) -> tuple[np.ndarray | None, str | None]:
    """Decode at native size: (float32 (h, w) in [0, 1], None) or (None, reason)."""
    path = Path(path)
    try:
        if path.is_dir():
            return None, "is a folder, not an image file"
        # Regular files only, size checked first: a FIFO named .png never blocks, a link to
        # /dev/zero or a huge sparse file is refused before a byte is read (safefiles.py).
        data = safefiles.read_bytes(path, MAX_FILE_BYTES)
        if not data:
            return None, "empty file (0 bytes)"
        if data[:2] in (b"P2", b"P5"):
            return decode_pgm(data), None
        image, reason = _decode_with_pillow(io.BytesIO(data), max_pixels)
        if image is None and path.suffix.lower() in _NETPBM and reason.startswith("not an"):
            decode_pgm(data[:64])  # raises with the PGM reader's reason (bad magic)
        return image, reason
    except safefiles.RefusedFile as exc:
        reason = str(exc.reason)
        if reason.startswith("too large"):
            return None, f"file {reason}"
        return None, {"No such file or directory": "file not found"}.get(
            reason, f"cannot read the file: {reason[:1].lower()}{reason[1:]}")
    except PGMError as exc:
        return None, str(exc)
    except (OSError, ValueError) as exc:
        return None, f"cannot read the file: {getattr(exc, 'strerror', None) or exc}"


def _decode_with_pillow(fh, max_pixels: int) -> tuple[np.ndarray | None, str | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(fh) as img:
                w, h = img.size
                if w * h > max_pixels:
                    return None, f"image too large: {w}x{h} pixels (limit {max_pixels:,})"
                if w == 0 or h == 0:
                    return None, "image has no pixels"
                img.seek(0)  # GIF/TIFF: the first frame
                img = ImageOps.exif_transpose(img)  # phone photos store rotation in EXIF
                img.load()
                return _pil_to_grey(img), None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            return None, f"image too large (decompression bomb): {exc}"
        except UnidentifiedImageError:
            return None, "not an image file (unrecognised format)"
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError,
                MemoryError, struct.error) as exc:
            # Pillow reports truncated and corrupt data with any of these
            return None, f"corrupt or truncated image: {exc}"


def load_image_file(path: str | Path, size: tuple[int, int]
                    ) -> tuple[np.ndarray | None, str | None]:
    """One file -> (float32 (H, W) grey [0, 1] at ``size``, None) or (None, reason).

    Photos are centre-cropped to the model's aspect ratio, then area-resized; normalisation
    (faceset.normalize) is applied later by whoever feeds a network, as for training data.
    """
    image, reason = decode_image(path)
    if image is None:
        return None, reason
    return resize_area(crop_to_aspect(image, size), size), None
