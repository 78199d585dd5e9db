"""The desktop app (Qt). Importing anything here first guards against PySide6 6.12's None
reference leak on Python 3.11 (see qt_compat.py): without it a painting window crashes."""
from faceviz_gui.gui.qt_compat import guard_none_refcount

guard_none_refcount()
