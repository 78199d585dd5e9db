"""Fetch and import: an archive served from 127.0.0.1 (never the internet), nested archives,
unsafe members, .Z archives, stop and failure leaving no partial file."""
from __future__ import annotations

import functools
import http.server
import io
import sys
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from faceviz_gui.core.data.fetch import download, fetch, import_archive
from faceviz_gui.core.data.sources import load_cmu, resolve_source
from faceviz_gui.core.data.synth import write_synthetic
from faceviz_gui.core.errors import DataError
from faceviz_gui.core.tasks import RecordingReporter


def _tar_gz(files: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    links = links or {}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for name, target in links.items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tf.addfile(info)
    return buf.getvalue()


@pytest.fixture(scope="module")
def uci_like_zip(tmp_path_factory) -> Path:
    """Like the UCI zip: a tarball of faces/<person>/*.pgm inside a zip, plus hostile members."""
    tmp = tmp_path_factory.mktemp("archive")
    faces = write_synthetic(tmp / "faces", n_people=2, seed=2)
    files = {f"faces/{p.relative_to(faces).as_posix()}": p.read_bytes()
             for p in sorted(faces.rglob("*.pgm"))}
    files["faces/syn01/syn01_up_sad_open.bad"] = b"P2\n1 1\n1\n0\n"
    files["../escape/evil_left_happy_open.pgm"] = b"P2\n1 1\n1\n0\n"
    files["/abs/evil_left_sad_open.pgm"] = b"P2\n1 1\n1\n0\n"
    tarball = _tar_gz(files, links={"faces/link_left_sad_open.pgm": "/etc/passwd"})
    path = tmp / "cmu+face+images.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("faces.tar.gz", tarball)
        zf.writestr("faces.data.html", "<html>about</html>")
        zf.writestr("../zip_evil_up_happy_open.pgm", b"P2\n1 1\n1\n0\n")
    return path


@pytest.fixture(scope="module")
def server(uci_like_zip):
    handler = functools.partial(_QuietHandler, directory=str(uci_like_zip.parent))
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A stopped download hangs up mid-file (test_stop_leaves_no_partial_file): the handler's
        # broken pipe is expected, and its traceback would land in the terminal after the test.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_fetch_over_loopback_imports_the_faces(server, faceviz_home):
    reporter = RecordingReporter()
    result = fetch(f"{server}/cmu+face+images.zip", reporter=reporter)
    dest = faceviz_home / "data" / "cmu_faces"
    assert result.folder == dest and result.files == 192 and result.people == ["syn01", "syn02"]
    assert sorted(p.name for p in dest.iterdir()) == ["syn01", "syn02"]
    assert not list(dest.rglob("*.bad")) and not list(faceviz_home.rglob("*evil*"))
    reasons = " ".join(s.reason for s in result.skipped)
    assert reasons.count("unsafe path") == 3 and "link" in reasons
    downloads = reporter.of_kind("download")
    assert downloads[-1]["done"] == downloads[-1]["total"] > 100_000
    assert load_cmu(dest, 4).people == ["syn01", "syn02"]
    assert resolve_source() == str(dest)  # the imported copy now wins over synthetic
    assert not [p for p in dest.parent.iterdir() if p.name.startswith(".")]


def test_stop_leaves_no_partial_file(server, tmp_path):
    reporter = RecordingReporter(stop_after=("download", 1))
    target = tmp_path / "dl" / "faces.zip"
    assert download(f"{server}/cmu+face+images.zip", target, reporter) is None
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_http_error_is_one_clear_error(server, tmp_path):
    with pytest.raises(DataError, match="HTTP 404"):
        download(f"{server}/missing.zip", tmp_path / "x.zip")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(DataError, match="only http"):
        download("ftp://example.invalid/x.zip", tmp_path / "x.zip")


def test_import_folder_replaces_previous_copy(tmp_path):
    src = write_synthetic(tmp_path / "src", n_people=1, seed=0)
    dest = tmp_path / "home" / "cmu_faces"
    (dest / "old").mkdir(parents=True)
    result = import_archive(src, dest)
    assert result.files == 96 and sorted(p.name for p in dest.iterdir()) == ["syn01"]


def test_import_plain_tar_and_tgz(tmp_path):
    data = {"x/ab_left_happy_open_4.pgm": b"P5\n32 30\n255\n" + bytes(960)}
    (tmp_path / "a.tgz").write_bytes(_tar_gz(data))
    assert import_archive(tmp_path / "a.tgz", tmp_path / "out").files == 1


def test_dot_z_archive_is_named_as_unsupported(tmp_path):
    path = tmp_path / "faces.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("faces.tar.Z", b"\x1f\x9d\x90" + bytes(100))
    with pytest.raises(DataError, match=r"\.Z.*not supported.*by hand"):
        import_archive(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_bad_import_paths(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        import_archive(tmp_path / "nothing.zip", tmp_path / "out")
    (tmp_path / "notes.zip").write_text("not an archive")
    with pytest.raises(DataError, match="no CMU-named"):
        import_archive(tmp_path / "notes.zip", tmp_path / "out")
