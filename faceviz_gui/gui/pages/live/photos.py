"""The photo results of the live page: accuracy, per person, confusion, then one row a photo.

Fed a core.photo_eval.PhotoEvaluation (computed on a worker); the view only turns arrays
into pixmaps. Wrong rows are tinted, skipped files are listed with their reason, and the
table exports to CSV with the same columns `faceviz eval --crop-faces` reports.
"""
from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from faceviz_gui.core.attention.methods import overlay
from faceviz_gui.gui.pages.live.video_source import rgb_to_qimage
from faceviz_gui.gui.widgets.confusion import ConfusionMatrixView

COLUMNS = ("Photo", "Face crop", "Attention", "Person", "True", "Predicted", "Confidence", "Face",
           "File")
STRETCH = COLUMNS.index("File")  # the one column with more to show when there is room
THUMB = 96
WRONG = QColor(209, 73, 91, 45)


def _pixmap(array: np.ndarray, height: int = THUMB) -> QPixmap:
    a = np.asarray(array)
    if a.dtype != np.uint8:
        a = np.clip(a * 255 + 0.5, 0, 255).astype(np.uint8)
    pm = QPixmap.fromImage(rgb_to_qimage(a))
    return pm.scaledToHeight(height, Qt.TransformationMode.SmoothTransformation)


class PhotoResults(QWidget):
    rowActivated = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.evaluation = None
        self.opacity = 0.5
        self.summary = QLabel("Drop a labelled folder (left/right/straight/up subfolders) or "
                              "photos here, or use Open photos.")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setMinimumWidth(200)
        self.people = QTableWidget(0, 3)
        self.people.setHorizontalHeaderLabels(["Person", "Photos", "Accuracy"])
        self.people.verticalHeader().hide()
        ph = self.people.horizontalHeader()
        ph.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        ph.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.people.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.confusion = ConfusionMatrixView(fit_labels=True)
        self.confusion.setToolTip("Confusion matrix of these photos: rows true, columns predicted")
        self.skipped_label = QLabel("Skipped files")
        self.skipped = QListWidget()
        self.skipped.setToolTip("Files that could not be used, and why")
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._export_clicked)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setIconSize(QSize(THUMB * 2, THUMB))
        self.table.verticalHeader().setDefaultSectionSize(THUMB + 6)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSortingEnabled(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # file names keep their end
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(STRETCH, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(48)
        self.table.cellDoubleClicked.connect(lambda r, _c: self.rowActivated.emit(r))

        # summary, per person and skipped files in one column; the matrix beside it gets the
        # rest, so its class names are never cut (the skipped list shows only when needed)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.summary)
        left.addWidget(self.people, 2)
        left.addWidget(self.skipped_label)
        left.addWidget(self.skipped, 1)
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addStretch(1)
        left.addLayout(row)
        self.skipped_label.hide()
        self.skipped.hide()
        head = QWidget()
        hl = QHBoxLayout(head)
        hl.setContentsMargins(0, 0, 0, 0)
        lw = QWidget()
        lw.setLayout(left)
        hl.addWidget(lw, 2)
        hl.addWidget(self.confusion, 3)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(head)
        split.addWidget(self.table)
        split.setStretchFactor(1, 3)
        split.setSizes([240, 560])  # the table gets the height the window adds
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

    # -- content ---------------------------------------------------------------------------
    def show_busy(self, text: str) -> None:
        self.summary.setText(text)

    def set_evaluation(self, ev) -> None:
        self.evaluation = ev
        s = ev.summary
        n, right = s.get("n", 0), sum(r.correct for r in ev.rows)
        score = (f"<b>Accuracy {100 * ev.accuracy:.0f}%</b> ({right} of {n} photos)" if n else
                 "<b>No labelled photos</b>: predictions only (photos in folders named left, "
                 "right, straight or up are scored)")
        words = [score,
                 f"task <i>{ev.task}</i> · " + (f"faces found in {ev.n_faces_found} of "
                                                f"{len(ev.rows)}" if ev.crop_faces
                                                else "centre crops (face finding off)")]
        if ev.skipped:
            words.append(f"{len(ev.skipped)} file(s) skipped")
        if ev.stopped:
            words.append("stopped early")
        self.summary.setText("<br>".join(words))
        self.summary.setToolTip(f"run {ev.run_id}")
        people = s.get("per_person", {})
        self.people.setRowCount(len(people))
        for i, (person, v) in enumerate(sorted(people.items())):
            for j, text in enumerate((person, str(v["n"]), f"{100 * v['accuracy']:.0f}%")):
                self.people.setItem(i, j, QTableWidgetItem(text))
        self.confusion.set_data(s.get("confusion"), ev.classes)
        self.skipped.clear()
        self.skipped_label.setText(f"Skipped files ({len(ev.skipped)})")
        self.skipped_label.setVisible(bool(ev.skipped))
        self.skipped.setVisible(bool(ev.skipped))
        for sk in ev.skipped:
            self.skipped.addItem(f"{sk.path.rsplit('/', 1)[-1]}: {sk.reason}")
            self.skipped.item(self.skipped.count() - 1).setToolTip(f"{sk.path}\n{sk.reason}")
        if ev.skipped:  # as tall as its first few lines: the per-person table keeps the room
            rows = min(len(ev.skipped), 3)
            self.skipped.setMaximumHeight(self.skipped.sizeHintForRow(0) * rows
                                          + 2 * self.skipped.frameWidth() + 4)
        self._fill_table()
        self.export_button.setEnabled(True)

    def set_opacity(self, opacity: float) -> None:
        self.opacity = opacity
        if self.evaluation is not None:
            self._fill_table()

    def _fill_table(self) -> None:
        rows = self.evaluation.rows
        self.table.setRowCount(len(rows))
        base = self._path_base()
        for i, r in enumerate(rows):
            att = overlay(r.crop, r.heatmap, self.opacity) if r.heatmap is not None else r.crop
            thumb = r.thumbnail if r.thumbnail is not None else r.crop
            cells = [("", thumb), ("", r.crop), ("", att), (r.person, None), (r.true, None),
                     (r.predicted, None), (f"{r.confidence:.2f}", None),
                     ("found" if r.face_box is not None else "centre crop", None),
                     (os.path.relpath(r.path, base) if base else r.path, None)]
            for j, (text, img) in enumerate(cells):
                item = QTableWidgetItem(text)
                if img is not None:
                    item.setData(Qt.ItemDataRole.DecorationRole, _pixmap(img))
                item.setToolTip(r.path)
                if not r.correct:
                    item.setBackground(QBrush(WRONG))
                self.table.setItem(i, j, item)

    def _path_base(self) -> str:
        """The folder paths are shown from: the opened folder, else the photos' common one."""
        ev = self.evaluation
        paths = [r.path for r in ev.rows]
        if ev.root and os.path.isdir(ev.root):
            return ev.root
        try:
            return os.path.dirname(os.path.commonpath(paths)) if len(paths) == 1 else \
                os.path.commonpath(paths)
        except ValueError:  # none, or on different drives
            return ""

    def _export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the table as CSV", "photo-eval.csv",
                                              "CSV files (*.csv)")
        if path:
            self.export_csv(path)

    def export_csv(self, path: str):
        return self.evaluation.write_csv(path)
