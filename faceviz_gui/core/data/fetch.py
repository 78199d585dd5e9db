"""Getting the CMU faces: download the UCI archive, or import a local archive or folder.

Only CMU-named .pgm files are kept, each written to ``<dest>/<person>/<name>`` built from the
name alone, so no archive member can write outside the destination; members with absolute or
``..`` paths are reported and skipped anyway. Archives inside archives (the UCI zip holds
tarballs) are opened in memory. An import is staged in a hidden sibling folder and swapped in
at the end: the previous copy stays intact until the new one is complete.
"""
from __future__ import annotations

import io
import os
import shutil
import socket
import stat
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

from faceviz_gui.core import atomic, locks, paths, safefiles
from faceviz_gui.core.data.cmu import CMU_NAME, NAMING
from faceviz_gui.core.data.faceset import Skipped
from faceviz_gui.core.errors import DataError, FaceVizError
from faceviz_gui.core.names import name_problem
from faceviz_gui.core.paths import inside
from faceviz_gui.core.tasks import NullReporter, Reporter, Throttle

UCI_URL = "https://archive.ics.uci.edu/static/public/124/cmu+face+images.zip"
CHUNK = 64 * 1024
MAX_MEMBER = 20 * 1024 * 1024      # a CMU .pgm is ~60 KB; anything this big is not one
MAX_NESTED = 1024 * 1024 * 1024    # a nested archive read into memory
MAX_DEPTH = 4
_ARCHIVE_ENDINGS = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")


@dataclass
class ImportResult:
    folder: Path
    files: int = 0
    people: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def download(url: str, target: str | Path, reporter: Reporter | None = None,
             timeout: float = 30.0) -> Path | None:
    """Download ``url`` to ``target`` in chunks; None if stopped. Only a complete download is
    ever renamed to ``target``; the partial ``.part`` file is removed on stop or failure."""
    reporter = reporter or NullReporter()
    target = Path(target)
    scheme = urllib.parse.urlparse(url).scheme
    if scheme not in ("http", "https", "file"):
        raise DataError(f"cannot download {url!r}: only http, https and file URLs")
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    request = urllib.request.Request(url, headers={"User-Agent": "faceviz"})
    throttle = Throttle()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp, open(part, "wb") as out:
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            reporter.report(kind="download", done=0, total=total, message=f"downloading {url}")
            while True:
                if reporter.should_stop():
                    return None
                block = resp.read(CHUNK)
                if not block:
                    break
                out.write(block)
                done += len(block)
                if throttle.ready():
                    reporter.report(kind="download", done=done, total=total,
                                    message=f"downloading {url}")
        if total is not None and done != total:
            raise DataError(f"download of {url} ended early: {done} of {total} bytes")
        reporter.report(kind="download", done=done, total=total or done, message="downloaded")
        os.replace(part, target)
        return target
    except urllib.error.HTTPError as exc:
        raise DataError(f"download failed: HTTP {exc.code} {exc.reason} for {url}") from None
    except urllib.error.URLError as exc:
        raise DataError(f"download failed: {exc.reason} ({url})") from None
    except (socket.timeout, TimeoutError):
        raise DataError(f"download failed: no answer within {timeout:.0f} s ({url})") from None
    except OSError as exc:
        raise DataError(f"download failed: {exc} ({url})") from None
    finally:
        part.unlink(missing_ok=True)


def fetch(url: str = UCI_URL, dest: str | Path | None = None,
          reporter: Reporter | None = None) -> ImportResult | None:
    """Download the archive into ``dest``/downloads and import it into ``dest``/cmu_faces."""
    dest = Path(dest) if dest else paths.data_dir()
    name = urllib.parse.unquote(Path(urllib.parse.urlparse(url).path).name)
    if name_problem(name):  # "..%2Fx" decodes to a path: the name may not choose the folder
        name = "download"
    archive = download(url, inside(dest / "downloads", name), reporter)
    if archive is None:
        return None
    return import_archive(archive, dest / "cmu_faces", reporter)


def import_archive(path: str | Path, dest: str | Path | None = None,
                   reporter: Reporter | None = None) -> ImportResult | None:
    """Import CMU-named .pgm files from an archive (.zip/.tar/.tar.gz/.tgz, nested too) or a
    folder into ``dest`` (default: the user data dir's cmu_faces). None if stopped."""
    path = Path(path).expanduser()
    dest = Path(dest) if dest else paths.data_dir() / "cmu_faces"
    reporter = reporter or NullReporter()
    if not path.exists():
        raise DataError(f"nothing to import: {path} does not exist")
    problem = None if path.is_dir() else safefiles.file_problem(path, 1 << 62)
    if problem:
        raise DataError(f"cannot import {path}: {problem}")
    atomic.make_dir(dest.parent)
    # One import into ``dest`` at a time; holding the lock, any staging or old folder beside
    # ``dest`` was left by an import that was killed, and is removed (they add up fast).
    lock = locks.hold(dest.parent / f".{dest.name}.import-lock",
                      f"another import into {dest} is running; wait for it to finish")
    try:
        _recover_old(dest)
        locks.clean_stale(dest.parent, (f".{dest.name}-import-*", f".{dest.name}-old-*"))
        return _import_locked(path, dest, reporter)
    finally:
        lock.release()


def _import_locked(path: Path, dest: Path, reporter: Reporter) -> ImportResult | None:
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}-import-", dir=dest.parent))
    except OSError as exc:
        raise DataError(f"cannot import into {dest}: {exc.strerror or exc}") from None
    state = _Import(staging, reporter)
    try:
        if path.is_dir():
            state.take_all(_folder_members(path), str(path), depth=0)
        else:
            with open(path, "rb") as fh:
                state.take_archive(fh, str(path), depth=0)
        if state.stopped:
            return None
        if not state.files:
            raise DataError(state.nothing_found(path))
        _swap_in(staging, dest)
        people = sorted(p.name for p in dest.iterdir() if p.is_dir())
        reporter.report(kind="progress", done=state.files, total=state.files,
                        message=f"imported {state.files} files of {len(people)} people")
        return ImportResult(dest, state.files, people, state.skipped)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _recover_old(dest: Path) -> None:
    """An import killed mid-swap left the previous copy in an old folder and none at
    ``dest``: put it back before the old folders are cleaned, so nothing is lost."""
    if dest.exists():
        return
    for old in sorted(dest.parent.glob(f".{dest.name}-old-*")):
        if (old / dest.name).is_dir():
            os.replace(old / dest.name, dest)
            return


def _swap_in(staging: Path, dest: Path) -> None:
    old = None
    if dest.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}-old-", dir=dest.parent))
        os.replace(dest, old / dest.name)
    os.replace(staging, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# (name in the archive, size it claims, read(limit): at most limit + 1 bytes of it)
Member = tuple[str, int, Callable[[int], bytes]]


def _folder_members(root: Path) -> Iterator[Member]:
    for p in sorted(root.rglob("*")):
        if p.is_symlink() or not p.is_file():
            continue  # links, folders, FIFOs and devices are never imported
        yield (p.relative_to(root).as_posix(), p.stat().st_size,
               lambda limit, p=p: safefiles.read_bytes(p, limit))


class _Import:
    def __init__(self, staging: Path, reporter: Reporter):
        self.staging = staging
        self.reporter = reporter
        self.files = 0
        self.skipped: list[Skipped] = []
        self.saw_z = False
        self.stopped = False
        self.throttle = Throttle()

    def take_archive(self, fh, where: str, depth: int) -> None:
        head = fh.read(4)
        fh.seek(0)
        if head[:2] == b"\x1f\x9d":
            self._unsupported_z(where)
        elif zipfile.is_zipfile(fh):
            fh.seek(0)
            try:
                with zipfile.ZipFile(fh) as zf:
                    self.take_all(_zip_members(zf, self.skipped, where), where, depth)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                self.skipped.append(Skipped(where, f"corrupt zip archive: {exc}"))
        else:
            fh.seek(0)
            try:
                with tarfile.open(fileobj=fh, mode="r:*") as tf:
                    self.take_all(_tar_members(tf, self.skipped, where), where, depth)
            except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
                self.skipped.append(Skipped(where, f"not a zip or tar archive ({exc})"))

    def take_all(self, members: Iterator[Member], where: str, depth: int) -> None:
        for name, size, read in members:
            if self.reporter.should_stop():
                self.stopped = True
                return
            self.take(name, size, read, where, depth)

    def take(self, name: str, size: int, read: Callable[[int], bytes], where: str,
             depth: int) -> None:
        shown = f"{where}!{name}" if depth or not Path(where).is_dir() else str(Path(where, name))
        pure = PurePosixPath(name.replace("\\", "/"))
        if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
            self.skipped.append(Skipped(shown, "unsafe path in archive (absolute or '..'), "
                                               "not extracted"))
            return
        base = pure.name
        lower = base.lower()
        if CMU_NAME.match(base):
            if size > MAX_MEMBER:
                self.skipped.append(Skipped(shown, f"too large for a CMU image ({size} bytes)"))
                return
            person = CMU_NAME.match(base).group("person")
            if name_problem(person):
                self.skipped.append(Skipped(shown, f"person name {name_problem(person)}"))
                return
            try:  # the one containment rule: nothing lands outside the staging folder
                target = inside(self.staging, person, base)
            except FaceVizError as exc:
                self.skipped.append(Skipped(shown, f"unsafe path in archive: {exc}"))
                return
            data = self._read(read, MAX_MEMBER, shown)
            if data is None:
                return
            if len(data) > MAX_MEMBER:  # the archive's size field can lie
                self.skipped.append(Skipped(shown, f"too large for a CMU image ({len(data)} bytes)"))
                return
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(data)
            self.files += 1
            if self.throttle.ready():
                self.reporter.report(kind="progress", done=self.files, total=None,
                                     message=f"importing {base}")
        elif lower.endswith(".z"):
            self._unsupported_z(shown)
        elif lower.endswith(_ARCHIVE_ENDINGS):
            if depth + 1 > MAX_DEPTH or size > MAX_NESTED:
                self.skipped.append(Skipped(shown, "nested archive too deep or too large"))
                return
            data = self._read(read, MAX_NESTED, shown)
            if data is None:
                return
            if len(data) > MAX_NESTED:
                self.skipped.append(Skipped(shown, "nested archive too large"))
                return
            self.take_archive(io.BytesIO(data), shown, depth + 1)

    def _read(self, read: Callable[[int], bytes], limit: int, shown: str) -> bytes | None:
        try:
            return read(limit)
        except FaceVizError as exc:  # a folder member refused by safefiles (grew, vanished)
            self.skipped.append(Skipped(shown, str(exc)))
        except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError, ValueError) as exc:
            self.skipped.append(Skipped(shown, f"corrupt archive member: {exc}"))
        return None

    def _unsupported_z(self, where: str) -> None:
        self.saw_z = True
        self.skipped.append(Skipped(where, "Unix compress (.Z) archives are not supported: "
                                           "unpack it by hand (uncompress, 7-Zip) and import "
                                           "the folder"))

    def nothing_found(self, path: Path) -> str:
        msg = f"no CMU-named .pgm files ({NAMING}) found in {path}"
        if self.saw_z:
            msg += ("; it holds a .Z (Unix compress) archive, which is not supported: "
                    "unpack it by hand (uncompress, 7-Zip) and import the folder")
        elif self.skipped:
            msg += f"; {self.skipped[0]}"
        return msg


def _zip_members(zf: zipfile.ZipFile, skipped: list[Skipped], where: str) -> Iterator[Member]:
    for info in zf.infolist():
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            skipped.append(Skipped(f"{where}!{info.filename}", "link in archive, not extracted"))
        elif not info.is_dir() and kind in (0, stat.S_IFREG):
            yield info.filename, info.file_size, (lambda limit, i=info: _read_zip(zf, i, limit))


def _read_zip(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """At most ``limit + 1`` bytes, however large the member claims or turns out to be."""
    with zf.open(info) as fh:
        return fh.read(limit + 1)


def _tar_members(tf: tarfile.TarFile, skipped: list[Skipped], where: str) -> Iterator[Member]:
    for m in tf:
        if m.isfile():
            yield m.name, m.size, (lambda limit, m=m: tf.extractfile(m).read(limit + 1))
        elif m.issym() or m.islnk():
            skipped.append(Skipped(f"{where}!{m.name}", "link in archive, not extracted"))
