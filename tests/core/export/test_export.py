"""Gallery and comparison export: real files, read back and checked."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.export.sheets import variant
from faceviz_gui.core.export.writers import export_comparison, export_gallery
from faceviz_gui.core.maps.maptypes import FilterMap, LayerMaps
from faceviz_gui.core.tasks import RecordingReporter

H, W = 30, 32


def _maps(layer, kind, n, dead=(), seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W]
    out = []
    for i in range(n):
        img = 0.5 + 0.2 * np.sin(xx / (1.5 + i % 5) + i) * np.cos(yy / (2 + i % 3))
        img = (img + rng.normal(0, 0.02, (H, W))).astype(np.float32)
        if i in dead:
            img = np.full((H, W), 0.5, np.float32)
        out.append(FilterMap(layer, i, np.clip(img, 0, 1), float(i) / 3,
                             np.linspace(0, -i, 16).astype(np.float32), 0.01, 0.2,
                             dead=i in dead, dead_reason="flat map" if i in dead else ""))
    return LayerMaps("run-x", layer, kind, out, {"steps": 16, "seed": 3, "objective": "channel"},
                     "abc123", 0.5)


@pytest.fixture(scope="module")
def gallery():
    return [_maps("conv2d_1", "conv2d", 12, dead=(2, 7)), _maps("dense_3", "dense", 2, seed=1)]


def _pdf_pages(path):
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
        return int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    return len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))


def test_gallery_writes_every_format(gallery, tmp_path, trained_run):
    rep = RecordingReporter()
    files = export_gallery(trained_run, gallery, tmp_path / "out", reporter=rep)
    out = tmp_path / "out"
    assert all(p.is_file() for p in files)
    names = {str(p.relative_to(out)) for p in files}
    for layer in ("conv2d_1", "dense_3"):
        for v in ("raw", "stretched"):
            assert f"sheets/{layer}_{v}.png" in names
    assert len([n for n in names if n.startswith("maps/")]) == (12 + 2) * 2
    one = Image.open(out / "maps/conv2d_1/conv2d_1_003_raw.png")
    assert one.size == (W * 4, H * 4)
    raw = np.asarray(one)[::4, ::4] / 255.0
    np.testing.assert_allclose(raw, gallery[0].maps[3].image, atol=1 / 255 + 1e-6)
    sheet = Image.open(out / "sheets/conv2d_1_raw.png")
    assert sheet.width > 8 * W and sheet.height > 2 * H
    arr = np.asarray(sheet.convert("RGB")).astype(int)
    red = (arr[..., 0] > 180) & (arr[..., 1] < 80) & (arr[..., 2] < 80)
    assert red.sum() > 200             # the two dead filters are framed and crossed in red
    assert _pdf_pages(out / "gallery.pdf") == 4
    html = (out / "index.html").read_text()
    assert html.count("data:image/png;base64,") == (12 + 2) * 2
    assert not re.search(r'src="(?!data:)', html)   # stands alone: no external images
    assert "2 dead, judged by their maps" in html and "flat map" in html
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["run"]["id"] == trained_run.id and meta["seed"] == 3
    assert {"faceviz", "torch", "numpy"} <= set(meta["versions"])
    assert meta["layers"][0]["filters"][2]["dead_reason"] == "flat map"
    assert "index.html" in meta["files"]
    assert rep.reports[-1]["done"] == rep.reports[-1]["total"]


def test_gallery_formats_variants_and_bad_input(gallery, tmp_path):
    files = export_gallery(None, gallery, tmp_path / "h", formats=["html"], variants=["stretched"])
    assert sorted(p.name for p in files) == ["index.html", "metadata.json"]
    assert (tmp_path / "h/index.html").read_text().count("base64,") == 14
    with pytest.raises(FaceVizError, match="unknown format 'svg'"):
        export_gallery(None, gallery, tmp_path / "x", formats=["svg"])
    with pytest.raises(FaceVizError, match="unknown variant"):
        export_gallery(None, gallery, tmp_path / "x", variants=["log"])
    with pytest.raises(FaceVizError, match="nothing to export"):
        export_gallery(None, [], tmp_path / "x")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(FaceVizError, match="cannot write"):
        export_gallery(None, gallery, blocker / "sub")


def test_gallery_stops_with_whole_files(gallery, tmp_path):
    rep = RecordingReporter()
    rep.stop.set()
    assert export_gallery(None, gallery, tmp_path / "s", reporter=rep) == []
    assert not any(p.suffix == ".tmp" for p in (tmp_path / "s").rglob("*"))


def test_stretched_variant_uses_the_full_range():
    img = np.linspace(0.4, 0.6, H * W, dtype=np.float32).reshape(H, W)
    s = variant(img, "stretched")
    assert s.min() == 0.0 and s.max() == 1.0
    flat = np.full((H, W), 0.3, np.float32)
    assert np.array_equal(variant(flat, "stretched"), flat)


def test_comparison_export(trained_run, synthetic_small, tmp_path):
    from faceviz_gui.core.compare.comparison import compare_runs
    probe = synthetic_small.subset(np.arange(0, len(synthetic_small), 4))
    cmp = compare_runs(trained_run, trained_run, probe)
    maps = [_maps("conv2d_1", "conv2d", 32), _maps("dense_3", "dense", 2)]
    files = export_comparison(cmp, tmp_path / "c", maps, {m.layer: m for m in maps})
    names = sorted(p.name for p in files)
    assert names == ["cka.png", "comparison.json", "matched_conv2d_1__conv2d_1.png",
                     "matched_dense_3__dense_3.png"]
    data = json.loads((tmp_path / "c/comparison.json").read_text())
    assert data["layers_a"][0] == "conv2d_1" and data["cka"][0][0] == pytest.approx(1.0)
    img = Image.open(tmp_path / "c/cka.png")
    assert img.width > 6 * 58 and img.height > 6 * 58
    assert len(export_comparison(cmp, tmp_path / "d")) == 2   # no maps: matrix and JSON only
    stopped = compare_runs(trained_run, trained_run, probe,
                           reporter=RecordingReporter(stop_after=("progress", 3)))
    assert stopped.stopped
    files = export_comparison(stopped, tmp_path / "e", maps, maps)
    assert sorted(p.name for p in files) == ["cka.png", "comparison.json"]
    assert json.loads(files[0].read_text())["stopped"] is True
