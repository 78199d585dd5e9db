"""Work around a reference-count bug of PySide6 6.12 on Python 3.11.

Measured here (PySide6 6.12.0, CPython 3.11.7): every call of a wrapped Qt method that
returns void (QWidget.update, QLabel.setText, QPainter.drawLine, ...) drops one reference to
None that it never took, and every ``Signal.emit()`` drops one to True. They start with a few
thousand references, so a window that paints a live plot dies within a minute with "Fatal
Python error: none_dealloc" (or bool_dealloc). CPython 3.12 made these singletons immortal,
which hides the bug; on 3.11 we do what 3.12 does: give them a refcount so large (2**40) that
no session can use it up. The write happens under the GIL, like every refcount change.
"""
from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 40


def guard_none_refcount() -> None:
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    for obj in (None, True, False):
        if sys.getrefcount(obj) < _HEADROOM // 2:
            ctypes.c_ssize_t.from_address(id(obj)).value += _HEADROOM
