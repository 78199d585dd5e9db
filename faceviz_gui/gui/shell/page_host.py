"""The work-area pages, each built on demand from its module so a missing or broken panel
never stops the app (it shows a "coming" page instead).

Pages whose modules may import torch at import time are built only after the warm-up job has
imported it (``heavy=True``): importing torch on the UI thread would freeze the window.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from faceviz_gui.gui.context import AppContext


@dataclass(frozen=True)
class PageDef:
    key: str
    title: str
    module: str
    cls: str
    tip: str
    heavy: bool = True


PAGES = (
    PageDef("training", "Training", "faceviz_gui.gui.pages.training.page", "TrainingPanel",
            "Train the selected experiment and watch loss and accuracy grow", heavy=False),
    PageDef("gallery", "Gallery", "faceviz_gui.gui.pages.gallery.page", "GalleryPanel",
            "Every layer's HappyMaps for the selected run"),
    PageDef("compare", "Compare", "faceviz_gui.gui.pages.compare.page", "ComparePanel",
            "Compare what two runs learned: CKA and matched filters"),
    PageDef("live", "Live test", "faceviz_gui.gui.pages.live.page", "LivePanel",
            "Test a run on a webcam, a video or your own photos, with attention"),
    PageDef("diagnose", "Diagnose", "faceviz_gui.gui.pages.diagnose.page", "DiagnosePanel",
            "Why a run fails on a folder of new faces: sensitivity, attention, findings"),
)


class PageHost(QWidget):
    """Holds one page: a placeholder until ``build()`` puts the real panel in.

    The panel sits in a frameless scroll area: a page wider than the window scrolls instead
    of forcing the whole window (and every other page) wider than the screen.
    """
    panelBuilt = Signal(str)  # the page's key, once its panel (or its error message) is in

    def __init__(self, page: PageDef, context: AppContext, parent=None):
        super().__init__(parent)
        self.page = page
        self.context = context
        self.panel: QWidget | None = None
        self.error = ""
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._placeholder = _message(f"{page.title}\n\nLoading…")
        self._layout.addWidget(self._placeholder)

    @property
    def built(self) -> bool:
        return self.panel is not None or bool(self.error)

    def can_build(self) -> bool:
        return not self.page.heavy or self.context.core_ready

    def build(self) -> QWidget | None:
        """Import and construct the panel once; a failure becomes a message on the page."""
        if self.built:
            return self.panel
        try:
            module = importlib.import_module(self.page.module)
            cls = getattr(module, self.page.cls)
        except (ImportError, AttributeError):
            self.error = "coming"
            self._set_placeholder(f"{self.page.title}\n\nComing: this view is still being built.")
            self.panelBuilt.emit(self.page.key)
            return None
        try:
            self.panel = cls(self.context, self)
        except Exception as exc:  # someone else's panel failing must not take the app down
            self.error = f"{type(exc).__name__}: {exc}"
            self._set_placeholder(f"{self.page.title} could not open\n\n{self.error}")
            self.panelBuilt.emit(self.page.key)
            return None
        self._layout.removeWidget(self._placeholder)
        self._placeholder.deleteLater()
        scroll = _PageScroll()
        scroll.setWidget(self.panel)
        self._layout.addWidget(scroll)
        self.panelBuilt.emit(self.page.key)
        return self.panel

    def _set_placeholder(self, text: str) -> None:
        self._placeholder.setText(text)


class _PageScroll(QScrollArea):
    """Fills the viewport like ``widgetResizable``, but down to the page's minimum size only.

    widgetResizable sizes a page whose layout has height-for-width (any word-wrapped label)
    to its preferred height, so a page that fits would scroll anyway.
    """

    def __init__(self):
        super().__init__()
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(False)

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        self._fit()

    def eventFilter(self, obj, e) -> bool:
        if obj is self.widget() and e.type() == QEvent.Type.LayoutRequest:
            self._fit()
        return super().eventFilter(obj, e)

    def setWidget(self, w: QWidget) -> None:
        super().setWidget(w)
        w.installEventFilter(self)
        self._fit()

    def _fit(self) -> None:
        w = self.widget()
        if w is None:
            return
        need = w.minimumSizeHint().expandedTo(w.minimumSize())
        room = self.maximumViewportSize()
        width = max(room.width(), need.width())
        if width > room.width():  # a horizontal scroll bar takes height
            room.setHeight(room.height() - self.horizontalScrollBar().sizeHint().height())
        height = max(room.height(), need.height())
        if height > room.height() and width <= room.width():
            width = max(room.width() - self.verticalScrollBar().sizeHint().width(), need.width())
        w.resize(width, height)


def _message(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setProperty("role", "placeholder")
    return label
