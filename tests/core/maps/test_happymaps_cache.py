"""HappyMaps statistics, the Fourier image, and the disk cache keyed by weights and settings."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from faceviz_gui.core.maps import happymaps as hm
from faceviz_gui.core.maps import mapcache
from faceviz_gui.core.maps.fourier import high_frequency_share, init_spectrum, spectrum_scale, spectrum_to_image
from faceviz_gui.core.maps.mapstats import dead_reason, saturation

STEPS = 16


def test_fourier_image_starts_grey_and_stays_in_range():
    g = torch.Generator().manual_seed(0)
    spec = torch.stack([init_spectrum(g, 30, 32) for _ in range(3)])
    img = spectrum_to_image(spec, spectrum_scale(30, 32), (30, 32))
    assert img.shape == (3, 1, 30, 32)
    assert abs(float(img.mean()) - 0.5) < 0.01 and float(img.std()) < 0.02
    big = spectrum_to_image(spec * 1e4, spectrum_scale(30, 32), (30, 32))
    assert 0.0 <= float(big.min()) and float(big.max()) <= 1.0


def test_statistics_tell_static_from_all_on_maps():
    yy, xx = np.mgrid[0:30, 0:32]
    checker = ((yy + xx) % 2).astype(np.float32)
    smooth = (xx / 31.0).astype(np.float32)
    assert high_frequency_share(checker) > 0.9 and high_frequency_share(smooth) < 0.1
    assert saturation(checker) == 1.0 and saturation(np.full((30, 32), 0.5)) == 0.0
    assert dead_reason(smooth, 0.0, 2.0, relu=True) == ""
    assert dead_reason(np.full((30, 32), 0.5, np.float32), 0.1, 0.3, relu=True) == "flat map"
    assert dead_reason(checker, 0.1, 3.0, relu=True) == "saturated map"
    assert dead_reason(smooth, 0.25, 0.25, relu=True).startswith("never responds")
    assert dead_reason(smooth, -0.5, -0.1, relu=True) == "never responds (never fires)"
    assert dead_reason(smooth, -0.5, -0.1, relu=False) == ""     # a logit may stay negative


def test_second_request_is_served_from_the_cache(trained_run, monkeypatch):
    first = hm.render_layer(trained_run, "conv2d_1", steps=STEPS)
    files = sorted(p.suffix for p in (trained_run.cache_dir / mapcache.SUBDIR).glob("conv2d_1-*"))
    assert files == [".json", ".npz"]

    def no_render(*a, **k):
        raise AssertionError("rendered again instead of reading the cache")
    monkeypatch.setattr(hm, "_render", no_render)
    second = hm.render_layer(trained_run, "conv2d_1", steps=STEPS)
    assert second.weights_hash == trained_run.weights_hash and second.run_id == trained_run.id
    for a, b in zip(first.maps, second.maps):
        np.testing.assert_array_equal(a.image, b.image)
        np.testing.assert_array_equal(a.loss_curve, b.loss_curve)
        assert (a.index, a.activation, a.dead, a.dead_reason) == (b.index, b.activation, b.dead, b.dead_reason)
    # Some filters of a cached layer come from the same entry; other settings miss it.
    part = hm.render_layer(trained_run, "conv2d_1", filters=[4, 2], steps=STEPS)
    assert [m.index for m in part.maps] == [4, 2]
    np.testing.assert_array_equal(part.maps[0].image, first.maps[4].image)
    with pytest.raises(AssertionError, match="rendered again"):
        hm.render_layer(trained_run, "conv2d_1", steps=STEPS, seed=1)
    with pytest.raises(AssertionError, match="rendered again"):
        hm.render_layer(trained_run, "conv2d_1", steps=STEPS, objective="neuron")


def test_new_weights_or_a_damaged_entry_mean_rendering_again(trained_run, tmp_path):
    from faceviz_gui.core.training.runs import create_run
    run = create_run(trained_run.spec, tmp_path / "runs")
    model = trained_run.load_model()
    run.save_weights(model)
    hm.render_layer(run, "dense_3", steps=STEPS)
    entry = next((run.cache_dir / mapcache.SUBDIR).glob("dense_3-*.npz"))
    entry.write_bytes(b"not an npz")
    again = hm.render_layer(run, "dense_3", steps=STEPS)       # a miss, rendered and rewritten
    assert len(again.maps) == 2 and np.load(entry, allow_pickle=False)["images"].shape == (2, 30, 32)
    old_hash = run.weights_hash
    settings = {k: v for k, v in again.settings.items() if k not in ("complete", "filters")}
    assert mapcache.load_maps(run.cache_dir, old_hash, "dense_3", [0, 1], settings) is not None
    with torch.no_grad():
        model.layer("dense_3").op.bias += 1.0
    run.save_weights(model)
    assert run.weights_hash != old_hash
    assert mapcache.load_maps(run.cache_dir, run.weights_hash, "dense_3", [0, 1], settings) is None


def test_a_bare_model_is_never_cached(tiny_spec, tmp_path, monkeypatch):
    from faceviz_gui.core.training.nets import build_model
    monkeypatch.chdir(tmp_path)
    lm = hm.render_layer(build_model(tiny_spec, seed=0), "dense_3", steps=4)
    assert lm.run_id == "" and lm.weights_hash == ""
    assert list(tmp_path.iterdir()) == []
