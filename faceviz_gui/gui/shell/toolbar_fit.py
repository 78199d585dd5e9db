"""The main toolbar fits any window width: full labels when there is room, short ones in a
1000-pixel window, icons alone below that; never an action dropped off the end.

Qt's own answer, the extension button, is a 12-pixel arrow that the app's style draws almost
invisibly: "Open run folder" seemed to vanish. Every action keeps its tooltip (full text and
shortcut) in each form.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QToolBar

SHORT = {"New from selected": "New…", "Pause / continue": "Pause", "Resume run": "Resume",
         "Data source": "Data…", "Export gallery": "Export…", "Open run folder": "Folder"}
FULL, SHORTENED, ICONS = "full", "short", "icons"


class ToolbarFit(QObject):
    def __init__(self, toolbar: QToolBar):
        super().__init__(toolbar)
        self.toolbar = toolbar
        self.full = {a: a.iconText() for a in toolbar.actions() if not a.isSeparator()}
        self.form = FULL
        toolbar.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.toolbar and event.type() == QEvent.Type.Resize:
            self.fit(event.size().width())
        return False

    def fit(self, width: int) -> str:
        """Use the widest form whose buttons fit ``width``; returns it."""
        for form in (FULL, SHORTENED, ICONS):
            self._apply(form)
            if self._needed() <= width or form == ICONS:
                break
        return self.form

    def _apply(self, form: str) -> None:
        if form == self.form:
            return
        self.form = form
        for action, text in self.full.items():
            key = text.replace("&", "").rstrip("…").rstrip(".")
            action.setIconText(SHORT.get(key, text) if form == SHORTENED else text)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly if form == ICONS
                                        else Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

    def _needed(self) -> int:
        margins = self.toolbar.contentsMargins()
        spacing = self.toolbar.layout().spacing() if self.toolbar.layout() else 4
        widgets = [self.toolbar.widgetForAction(a) for a in self.toolbar.actions()]
        widths = [w.sizeHint().width() for w in widgets if w is not None]
        return sum(widths) + spacing * len(widths) + margins.left() + margins.right() + 16
