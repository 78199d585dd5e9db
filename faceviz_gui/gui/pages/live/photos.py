"""The photo results of the live page: accuracy, per person, confusion, then one row a photo.

Fed a core.photo_eval.PhotoEvaluation (computed on a worker); the view only turns arrays
into pixmaps. Wrong rows are tinted (only labelled ones: an unlabelled photo is neither right
nor wrong), skipped files are listed with their reason, and the table exports to CSV with the
same columns `faceviz eval --crop-faces` reports. The table sorts by any column and filters by
text and by outcome; clicking a confusion-matrix cell shows just that cell's photos.

Paths and person names go through errors.shown before Qt sees them: a name that is not UTF-8
on disk holds surrogate escapes, which Qt drops without a word ('caf\\xe9.png' would show as
'caf.png', two such files alike), so they are shown as \\xNN escapes, as the CLI and CSV do.
"""
from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from faceviz_gui.core.attention.methods import overlay
from faceviz_gui.core.errors import shown
from faceviz_gui.gui.pages.live.video_source import rgb_to_qimage
from faceviz_gui.gui.widgets.confusion import ConfusionMatrixView
from faceviz_gui.gui.widgets.elided_label import ElidedLabel

COLUMNS = ("Photo", "Face crop", "Attention", "Person", "True", "Predicted", "Confidence", "Face",
           "File")
STRETCH = COLUMNS.index("File")  # the one column with more to show when there is room
THUMB = 96
WRONG = QColor(209, 73, 91, 45)
ROW = Qt.ItemDataRole.UserRole  # the row's index in evaluation.rows, whatever the sort
OUTCOMES = (("all", "All photos"), ("wrong", "Wrong only"), ("right", "Right only"),
            ("unlabelled", "Unlabelled only"))


class _SortItem(QTableWidgetItem):
    """A cell that sorts by a number (confidence), not by its text."""

    def __init__(self, text: str, key: float):
        super().__init__(text)
        self.key = key

    def __lt__(self, other) -> bool:
        return self.key < getattr(other, "key", 0.0)


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
        self.table.setSortingEnabled(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # file names keep their end
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(STRETCH, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(48)
        self.table.cellDoubleClicked.connect(
            lambda r, _c: self.rowActivated.emit(int(self.table.item(r, 0).data(ROW))))
        self.confusion.clickable = True
        self.confusion.setToolTip(self.confusion.toolTip() + "; click a cell to list its photos")
        self.confusion.cellClicked.connect(self._cell_clicked)
        self.cell: tuple[str, str] | None = None   # (true, predicted) the table is limited to
        self.filter_text = QLineEdit()
        self.filter_text.setPlaceholderText("Filter: person, class or file name")
        self.filter_text.setClearButtonEnabled(True)
        self.filter_text.textChanged.connect(self.apply_filter)
        self.outcome = QComboBox()
        for key, text in OUTCOMES:
            self.outcome.addItem(text, key)
        self.outcome.currentIndexChanged.connect(self.apply_filter)
        self.shown = ElidedLabel("")
        self.show_all = QPushButton("Show all")
        self.show_all.setToolTip("Clear the filters and the chosen confusion-matrix cell")
        self.show_all.clicked.connect(self.clear_filter)

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
        table_box = QWidget()
        tl = QVBoxLayout(table_box)
        tl.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(self.filter_text, 2)
        bar.addWidget(self.outcome)
        bar.addWidget(self.shown, 1)  # elides in a narrow page; whole in its tooltip
        bar.addWidget(self.show_all)
        self.shown.setMinimumWidth(self.fontMetrics().horizontalAdvance("42 of 192 photos"))
        tl.addLayout(bar)
        tl.addWidget(self.table, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(head)
        split.addWidget(table_box)
        split.setStretchFactor(1, 3)
        split.setSizes([240, 560])  # the table gets the height the window adds
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

    # -- content ---------------------------------------------------------------------------
    def show_busy(self, text: str) -> None:
        self.summary.setText(shown(text))  # names the folder, which may not be UTF-8

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
            for j, text in enumerate((shown(person), str(v["n"]), f"{100 * v['accuracy']:.0f}%")):
                self.people.setItem(i, j, QTableWidgetItem(text))
        self.confusion.set_data(s.get("confusion"), ev.classes)
        self.skipped.clear()
        self.skipped_label.setText(f"Skipped files ({len(ev.skipped)})")
        self.skipped_label.setVisible(bool(ev.skipped))
        self.skipped.setVisible(bool(ev.skipped))
        for sk in ev.skipped:
            self.skipped.addItem(shown(f"{sk.path.rsplit('/', 1)[-1]}: {sk.reason}"))
            self.skipped.item(self.skipped.count() - 1).setToolTip(shown(f"{sk.path}\n{sk.reason}"))
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
        self.table.setSortingEnabled(False)  # rows move while filled otherwise
        self.table.setRowCount(len(rows))
        base = self._path_base()
        for i, r in enumerate(rows):
            att = overlay(r.crop, r.heatmap, self.opacity) if r.heatmap is not None else r.crop
            thumb = r.thumbnail if r.thumbnail is not None else r.crop
            cells = [("", thumb), ("", r.crop), ("", att), (shown(r.person), None),
                     (r.true or "–", None), (r.predicted, None), (f"{r.confidence:.2f}", None),
                     ("found" if r.face_box is not None else "centre crop", None),
                     (shown(os.path.relpath(r.path, base) if base else r.path), None)]
            for j, (text, img) in enumerate(cells):
                item = _SortItem(text, r.confidence) if j == COLUMNS.index("Confidence") \
                    else QTableWidgetItem(text)
                if img is not None:
                    item.setData(Qt.ItemDataRole.DecorationRole, _pixmap(img))
                item.setData(ROW, i)
                item.setToolTip(shown(r.path) if r.labelled else
                                f"{shown(r.path)}\nNot labelled (not in a left/right/straight/up "
                                "folder): a prediction only, neither right nor wrong")
                if r.labelled and not r.correct:  # only a labelled photo can be wrong
                    item.setBackground(QBrush(WRONG))
                self.table.setItem(i, j, item)
        self.table.setSortingEnabled(True)
        self.apply_filter()

    # -- sorting and filtering ---------------------------------------------------------------
    def row_of(self, table_row: int):
        """The PhotoRow shown in table row ``table_row`` (the table may be sorted)."""
        return self.evaluation.rows[int(self.table.item(table_row, 0).data(ROW))]

    def _cell_clicked(self, i: int, j: int) -> None:
        classes = self.evaluation.classes if self.evaluation is not None else []
        self.cell = (classes[i], classes[j]) if 0 <= i < len(classes) and 0 <= j < len(classes) \
            else None
        self.apply_filter()

    def clear_filter(self) -> None:
        self.cell = None
        self.confusion.select_cell(None)
        self.filter_text.clear()
        self.outcome.setCurrentIndex(0)
        self.apply_filter()

    def apply_filter(self, *_args) -> None:
        """Hide the rows that do not match the text, the outcome and the chosen cell."""
        if self.evaluation is None:
            return
        words = self.filter_text.text().strip().lower()
        outcome = self.outcome.currentData()
        visible = 0
        for t in range(self.table.rowCount()):
            r = self.row_of(t)
            ok = (outcome == "all" or (outcome == "unlabelled" and not r.labelled)
                  or (r.labelled and (outcome == "right") == r.correct and outcome != "unlabelled"))
            if ok and self.cell is not None:
                ok = (r.true, r.predicted) == self.cell
            if ok and words:
                # as the table shows it: typing the \xNN of a name not UTF-8 finds it
                ok = words in shown(" ".join((r.person, r.true, r.predicted, r.path))).lower()
            self.table.setRowHidden(t, not ok)
            visible += ok
        total = self.table.rowCount()
        # the chosen cell is framed in the matrix; its names are in the tooltip
        self.shown.setText(f"{visible} of {total} photos" if visible < total else f"{total} photos")
        if self.cell:
            self.shown.setToolTip(f"true {self.cell[0]}, predicted {self.cell[1]}")
        self.show_all.setVisible(visible < total)

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
