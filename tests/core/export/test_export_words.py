"""An exported gallery reads as words: the hover over a map in the HTML, the settings row,
the decision layer's class names; and gallery.pdf is real text (pdftotext reads it), with
every dead filter's reason whole."""
from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

from faceviz_gui.core.export.writers import export_gallery
from faceviz_gui.core.maps.maptypes import FilterMap, LayerMaps

H, W = 30, 32
LONG = "never responds (no gradient): the optimiser found no input that moves it at all"


def _layer(layer, kind, n, dead=()):
    yy, xx = np.mgrid[0:H, 0:W]
    maps = [FilterMap(layer, i, (0.5 + 0.3 * np.sin(xx / (2 + i)) * np.cos(yy / 3)).astype(np.float32),
                      0.25 + i, np.linspace(0, -1, 8).astype(np.float32), 0.12, 0.3,
                      dead=i in dead, dead_reason=LONG if i in dead else "") for i in range(n)]
    settings = {"steps": 64, "objective": "channel", "seed": 3, "lr": 0.05, "grey_pull": 2.0,
                "relative": True, "shift": 0.06, "scale": [0.95, 1.05], "rotate_deg": 5.0,
                "first_layer_leak": 0.1, "recipe": 1, "input_size": [H, W]}
    return LayerMaps("run-x", layer, kind, maps, settings, "abc123", 0.5)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, trained_run):
    out = tmp_path_factory.mktemp("words")
    layers = [_layer("conv2d_1", "conv2d", 10, dead=(1, 8)), _layer("dense_3", "dense", 2)]
    export_gallery(trained_run, layers, out, formats=("html", "pdf"), variants=("raw",))
    return out


def test_html_hover_and_settings_in_words(exported):
    html = (exported / "index.html").read_text()
    titles = re.findall(r'<figure[^>]*title="([^"]*)"', html)
    assert len(titles) == 12
    assert not any("{" in t or "&quot;" in t for t in titles)  # not raw JSON
    assert titles[0].startswith("conv2d_1 filter #0 · activation reached 0.25")
    assert "saturated pixels 12%" in titles[0] and "high-frequency energy 30%" in titles[0]
    assert f"dead: {LONG}"[:40] in titles[1]
    assert titles[10].startswith("dense_3 not_left") and titles[11].startswith("dense_3 left")
    header = html[:html.index("<section")]
    assert "grey_pull" not in header and "recipe=" not in header and "=" not in re.sub(
        r"<[^>]*>", "", header.split("<table>")[1].split("</table>")[0])
    assert "64 optimisation steps (Adam, learning rate 0.05, seed 3)" in header
    assert "pull towards plain grey" in header


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_text_is_searchable_and_reasons_whole(exported):
    text = subprocess.run(["pdftotext", "-layout", str(exported / "gallery.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "HappyMaps of experiment0" in flat
    assert "conv2d_1 (conv2d, 10 filters): 2 dead, judged by their maps" in flat
    assert "64 optimisation steps" in flat
    assert "not_left" in text and re.search(r"\bleft\b", text)
    # each dead filter's whole reason, wrapped in its cell, every word present in order
    words = f"dead: {LONG}".split()
    column = [ln for ln in subprocess.run(["pdftotext", "-raw", str(exported / "gallery.pdf"), "-"],
                                          capture_output=True, text=True, check=True).stdout.split()]
    joined = " ".join(column)
    assert joined.count(" ".join(words[:4])) == 2 and joined.count(words[-1]) >= 2
    assert "filter #1" in flat or "#1" in flat
