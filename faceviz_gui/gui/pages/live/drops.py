"""Files and folders dropped anywhere on a window go to the Live test page, and File > Open….

The drop filter sits on the top-level QWindow, which receives every drag over the window
before Qt hands it to the widget under the cursor; a filter there sees a drop on a plot, a
text field or a table alike, without each widget having to accept drops. Drags that carry
no local file (text, internal drags) pass through untouched.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QDialog, QFileDialog

_DRAGS = (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop)


def local_paths(mime) -> list[str]:
    """The local files and folders a drag carries, in order, without repeats."""
    if mime is None or not mime.hasUrls():
        return []
    out: list[str] = []
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile() not in out:
            out.append(url.toLocalFile())
    return out


class FileDropFilter(QObject):
    """Calls ``on_drop(paths)`` (on the next event-loop turn, so the drag source is answered
    at once) for local files dropped on any watched window."""

    def __init__(self, on_drop, parent=None):
        super().__init__(parent)
        self.on_drop = on_drop

    def watch(self, widget) -> bool:
        """Filter the drags of ``widget``'s top-level window; True once it is watched."""
        handle = widget.windowHandle()
        if handle is None:
            return False
        if not handle.property("faceviz_file_drops"):
            handle.setProperty("faceviz_file_drops", True)
            handle.installEventFilter(self)
        return True

    def eventFilter(self, obj, e) -> bool:
        if e.type() not in _DRAGS:
            return False
        paths = local_paths(e.mimeData())
        if not paths:
            return False
        # Copy, never Move: a file manager that sees a move accepted deletes the source.
        if e.possibleActions() & Qt.DropAction.CopyAction:
            e.setDropAction(Qt.DropAction.CopyAction)
        elif e.possibleActions() & Qt.DropAction.LinkAction:
            e.setDropAction(Qt.DropAction.LinkAction)
        else:
            e.ignore()
            return True
        e.accept()
        if e.type() == QEvent.Type.Drop:
            QTimer.singleShot(0, lambda: self.on_drop(paths))
        return True


class OpenMediaDialog(QFileDialog):
    """One dialog for photos, a video or a folder: select files and press Open, or select a
    folder (or stand in one with nothing selected) and press Open to score the whole folder.
    Double-clicking a folder still goes into it."""

    def __init__(self, parent=None, directory: str = ""):
        super().__init__(parent, "Open photos, a video or a folder", directory)
        from faceviz_gui.core.data.imageload import IMAGE_SUFFIXES  # not at import: live.py imports torch,
        from faceviz_gui.core.live.pipeline import VIDEO_SUFFIXES  # and the window paints before torch loads
        self.setOption(QFileDialog.Option.DontUseNativeDialog, True)  # native ones cannot
        self.setFileMode(QFileDialog.FileMode.ExistingFiles)          # return a folder here
        media = " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES | VIDEO_SUFFIXES))
        self.setNameFilters([f"Photos and videos ({media})", "All files (*)"])
        self.setLabelText(QFileDialog.DialogLabel.Accept, "Open")
        self.chosen: list[str] = []

    def accept(self) -> None:
        files = [f for f in self.selectedFiles() if f]
        if files and all(Path(f).exists() for f in files):
            self.chosen = files
            QDialog.accept(self)  # a folder is an answer here, not a place to go
            return
        super().accept()
        if self.result() == QDialog.DialogCode.Accepted:
            self.chosen = self.selectedFiles()

    @classmethod
    def ask(cls, parent=None, directory: str = "") -> list[str]:
        dialog = cls(parent, directory)
        return dialog.chosen if dialog.exec() else []
