"""Photo folders whose file and folder names are not UTF-8 (Latin-1 bytes from another
system, which Python holds as surrogate escapes): the review table, the per-person table, the
skipped list and the progress text show them readable (``\\xNN``), no two names alike, and the
CSV export is valid UTF-8 naming every photo. Qt drops a surrogate silently ('caf\\udce9.png'
shows as 'caf.png'), so nothing crashes; the test looks for the lost bytes instead."""
from __future__ import annotations

import csv
import os

import cv2
from live_helpers import background  # tests/helpers is on sys.path (tests/conftest.py)

from faceviz_gui.core.errors import shown
from faceviz_gui.gui.pages.live import photos as photos_module
from faceviz_gui.gui.pages.live.photos import COLUMNS

ROOT = b"fotos_\xf1"      # the opened folder itself is not UTF-8
PERSON = b"jos\xe9"        # a person folder that is not UTF-8
PHOTOS = [  # (person, pose, file name) on disk, as bytes
    (b"ann", b"left", b"0.png"),
    (b"ann", b"right", b"1.png"),
    (PERSON, b"left", b"caf\xe9_\xff.png"),   # two names that differ only in the byte Qt drops
    (PERSON, b"left", b"caf\xe8_\xff.png"),
    (PERSON, b"straight", b"2.png"),
]
BROKEN = (PERSON, b"up", b"notes_\xe9.png")   # not an image: skipped, with its name readable


def _folder(tmp_path) -> bytes:
    root = os.path.join(os.fsencode(tmp_path), ROOT)
    for i, (person, pose, name) in enumerate(PHOTOS):
        os.makedirs(os.path.join(root, person, pose), exist_ok=True)
        ok, png = cv2.imencode(".png", background(240, 320, seed=i))
        assert ok
        with open(os.path.join(root, person, pose, name), "wb") as fh:
            fh.write(png.tobytes())
    os.makedirs(os.path.join(root, *BROKEN[:2]))
    with open(os.path.join(root, *BROKEN), "wb") as fh:
        fh.write(b"not an image")
    return root


def _readable(text: str) -> bool:
    """Text Qt keeps whole: no surrogate (Qt drops it) and no replacement character."""
    return "\ufffd" not in text and not any("\ud800" <= c <= "\udfff" for c in text)


def test_non_utf8_names_are_shown_and_exported(panel, qtbot, tmp_path, monkeypatch):
    root = _folder(tmp_path)
    busy = []  # every progress text, as the summary label holds it
    show_busy = panel.photos.show_busy
    monkeypatch.setattr(panel.photos, "show_busy",
                        lambda text: (show_busy(text), busy.append(panel.photos.summary.text())))
    panel.open_paths([os.fsdecode(root)])
    qtbot.waitUntil(lambda: panel.photos.evaluation is not None, timeout=60000)
    photos = panel.photos
    table, ev = photos.table, photos.evaluation

    # nothing lost: every photo is a row, the broken file is listed as skipped
    assert len(ev.rows) == table.rowCount() == len(PHOTOS)
    assert [os.path.basename(os.fsencode(s.path)) for s in ev.skipped] == [BROKEN[2]]
    assert any("fotos_\\xf1" in text for text in busy), busy

    # every cell readable; the File column names each photo as its bytes, escaped
    cells = [table.item(t, j) for t in range(table.rowCount()) for j in range(len(COLUMNS))]
    assert all(_readable(c.text()) and _readable(c.toolTip()) for c in cells)
    files = {table.item(t, COLUMNS.index("File")).text() for t in range(table.rowCount())}
    assert files == {os.path.join(p, pose, n).decode("utf-8", "backslashreplace")
                     for p, pose, n in PHOTOS}
    persons = {table.item(t, COLUMNS.index("Person")).text() for t in range(table.rowCount())}
    assert persons == {"ann", "jos\\xe9"}
    tip = table.item(0, 0).toolTip()
    assert "fotos_\\xf1" in tip and tip.split("\n")[0] == shown(photos.row_of(0).path)
    people = {photos.people.item(i, 0).text() for i in range(photos.people.rowCount())}
    assert people == {"ann", "jos\\xe9"}
    skipped = photos.skipped.item(0)
    assert "notes_\\xe9.png" in skipped.text() and "fotos_\\xf1" in skipped.toolTip()
    assert _readable(skipped.text()) and _readable(skipped.toolTip())

    # filtering by what the table shows finds the photo
    photos.filter_text.setText("caf\\xe8")
    assert [photos.row_of(t).path for t in range(table.rowCount())
            if not table.isRowHidden(t)] == [os.fsdecode(os.path.join(root, *PHOTOS[3]))]
    photos.clear_filter()

    # the Export CSV button writes valid UTF-8 naming every photo and the skipped file
    out = tmp_path / "review.csv"
    monkeypatch.setattr(photos_module.QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(out), "CSV files (*.csv)")))
    assert photos.export_button.isEnabled()
    photos.export_button.click()
    rows = list(csv.reader(out.read_bytes().decode("utf-8").splitlines()))
    assert rows[0][:2] == ["path", "person"] and len(rows) == 1 + len(PHOTOS) + 1
    named = {r[0].rsplit("/", 1)[-1] for r in rows[1:]}
    assert named == {n.decode("utf-8", "backslashreplace") for *_, n in PHOTOS + [BROKEN]}
    assert all("fotos_\\xf1" in r[0] for r in rows[1:])
    assert {r[1] for r in rows[1:1 + len(PHOTOS)]} == {"ann", "jos\\xe9"}


def test_a_broken_photo_with_a_non_utf8_name_is_named_readably(panel, tmp_path):
    path = os.path.join(os.fsencode(tmp_path), b"caf\xe9.png")
    with open(path, "wb") as fh:
        fh.write(b"not an image")
    panel.open_paths([os.fsdecode(path)])
    assert panel.banner.isVisibleTo(panel) and "Cannot use caf\\xe9.png" in panel.banner.text()
