"""The work-area pages, each built on demand from its module so a missing or broken panel
never stops the app (it shows a "coming" page instead).

Pages whose modules may import torch at import time are built only after the warm-up job has
imported it (``heavy=True``): importing torch on the UI thread would freeze the window.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .context import AppContext


@dataclass(frozen=True)
class PageDef:
    key: str
    title: str
    module: str
    cls: str
    tip: str
    heavy: bool = True


PAGES = (
    PageDef("training", "Training", "faceviz_gui.gui.panels.training", "TrainingPanel",
            "Train the selected experiment and watch loss and accuracy grow", heavy=False),
    PageDef("gallery", "Gallery", "faceviz_gui.gui.panels.gallery", "GalleryPanel",
            "Every layer's HappyMaps for the selected run"),
    PageDef("compare", "Compare", "faceviz_gui.gui.panels.compare", "ComparePanel",
            "Compare what two runs learned: CKA and matched filters"),
    PageDef("live", "Live test", "faceviz_gui.gui.panels.live", "LivePanel",
            "Test a run on a webcam, a video or your own photos, with attention"),
)


class PageHost(QWidget):
    """Holds one page: a placeholder until ``build()`` puts the real panel in."""

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
            return None
        try:
            self.panel = cls(self.context, self)
        except Exception as exc:  # someone else's panel failing must not take the app down
            self.error = f"{type(exc).__name__}: {exc}"
            self._set_placeholder(f"{self.page.title} could not open\n\n{self.error}")
            return None
        self._layout.removeWidget(self._placeholder)
        self._placeholder.deleteLater()
        self._layout.addWidget(self.panel)
        return self.panel

    def _set_placeholder(self, text: str) -> None:
        self._placeholder.setText(text)


def _message(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setProperty("role", "placeholder")
    return label
