"""A small, strict PGM (P2 ascii / P5 binary) reader and writer.

Pillow reads PGM too, but about fifteen times slower on the CMU P2 files and with vaguer
errors; loading a whole data set should take well under a second. Every way a file can be
wrong becomes a PGMError with a short reason; nothing is allocated from an unchecked header
(a header claiming 10^9 pixels is rejected before any array exists).
"""
from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from faceviz_gui.core import safefiles

MAX_PIXELS = 50_000_000  # the same limit as imageload's decompression-bomb guard
# The largest file MAX_PIXELS allows: 16-bit binary, or ascii at up to 6 bytes a value.
MAX_BYTES = 6 * MAX_PIXELS + 4096


class PGMError(ValueError):
    """The file is not a PGM this reader accepts; ``str()`` is the reason shown to users."""


def _header(data: bytes) -> tuple[bytes, int, int, int, int]:
    """(magic, width, height, maxval, offset of the first pixel byte)."""
    magic = data[:2]
    if magic not in (b"P2", b"P5"):
        shown = data[:2].decode("latin-1").encode("unicode_escape").decode() or "nothing"
        raise PGMError(f"not a PGM file (magic {shown!r}, expected 'P2' or 'P5')")
    fields: list[int] = []
    pos = 2
    n = len(data)
    while len(fields) < 3:
        # whitespace and '#' comments may sit between header fields
        while pos < n and (data[pos:pos + 1].isspace() or data[pos:pos + 1] == b"#"):
            if data[pos:pos + 1] == b"#":
                end = data.find(b"\n", pos)
                pos = n if end < 0 else end + 1
            else:
                pos += 1
        start = pos
        while pos < n and data[pos:pos + 1].isdigit():
            pos += 1
        if start == pos:
            raise PGMError("truncated or corrupt PGM header")
        if pos - start > 9:
            raise PGMError("PGM header number too large")
        fields.append(int(data[start:pos]))
    if pos >= n or not data[pos:pos + 1].isspace():
        raise PGMError("truncated or corrupt PGM header")
    width, height, maxval = fields
    if width <= 0 or height <= 0:
        raise PGMError(f"PGM has an empty size {width}x{height}")
    if width * height > MAX_PIXELS:
        raise PGMError(f"PGM too large: {width}x{height} pixels (limit {MAX_PIXELS:,})")
    if not 0 < maxval < 65536:
        raise PGMError(f"PGM maxval {maxval} out of range 1..65535")
    return magic, width, height, maxval, pos + 1


def decode_pgm(data: bytes) -> np.ndarray:
    """PGM bytes -> float32 (H, W) in [0, 1], scaled by the file's own maxval."""
    magic, width, height, maxval, offset = _header(data)
    count = width * height
    if magic == b"P5":
        dtype = np.dtype(">u2") if maxval > 255 else np.dtype(np.uint8)
        need = count * dtype.itemsize
        if len(data) - offset < need:
            raise PGMError(f"truncated PGM: {len(data) - offset} of {need} pixel bytes")
        pixels = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
    else:
        try:
            text = data[offset:].decode("ascii")
        except UnicodeDecodeError:
            raise PGMError("corrupt ascii PGM: non-text bytes in the pixel data") from None
        with warnings.catch_warnings():
            # numpy warns (and stops) at the first non-number; the count check below says so
            warnings.simplefilter("ignore")
            pixels = np.fromstring(text, dtype=np.int64, sep=" ")
        if pixels.size < count:
            raise PGMError(f"truncated PGM: {pixels.size} of {count} pixel values")
        pixels = pixels[:count]
    image = pixels.reshape(height, width).astype(np.float32)
    if image.max(initial=0) > maxval:
        raise PGMError(f"corrupt PGM: pixel values above maxval {maxval}")
    return image / np.float32(maxval)


def read_pgm(path: str | Path) -> np.ndarray:
    """Read and decode a PGM file (PGMError for bad content and for files not read: special
    files, a link to /dev/zero, anything larger than the largest PGM we accept)."""
    try:
        data = safefiles.read_bytes(path, MAX_BYTES)
    except safefiles.RefusedFile as exc:
        raise PGMError(f"cannot read the file: {exc.reason}") from None
    if not data:
        raise PGMError("empty file (0 bytes)")
    return decode_pgm(data)


@lru_cache(maxsize=8)
def _words(maxval: int) -> np.ndarray:
    """Level -> its decimal text; a lookup is four times faster than str() per pixel."""
    return np.array([str(i) for i in range(maxval + 1)], dtype=object)


def encode_pgm(levels: np.ndarray, maxval: int, ascii: bool) -> bytes:
    """Integer grey levels (H, W) in [0, maxval] -> P2 (ascii) or P5 (binary) bytes, CMU style."""
    levels = np.asarray(levels)
    height, width = levels.shape
    if ascii:
        # CMU's P2 files break lines every 16 values
        words = _words(int(maxval))[levels.astype(np.int64).ravel()].tolist()
        lines = [" ".join(words[i:i + 16]) for i in range(0, len(words), 16)]
        return f"P2\n{width} {height}\n{maxval}\n".encode() + ("\n".join(lines) + "\n").encode()
    dtype = ">u2" if maxval > 255 else np.uint8
    return f"P5\n{width} {height}\n{maxval}\n".encode() + levels.astype(dtype).tobytes()
