"""Top images per filter, with the receptive field of the unit that fired (DeepVis)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from faceviz_gui.core.data.faceset import FaceRecord, FaceSet, normalize
from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.maps.topimages import receptive_field, top_images
from faceviz_gui.core.training.nets import build_model


def test_receptive_fields_walk_back_through_convs_and_pools(tiny_spec):
    model = build_model(tiny_spec, seed=0)
    assert receptive_field(model, "conv2d_1", 0, 0) == (0, 0, 3, 3)
    assert receptive_field(model, "conv2d_1", 5, 7) == (7, 5, 10, 8)
    # conv2d_2 unit (0, 0): 3x3 pooled cells = 6x6 conv1 units = 8x8 input pixels.
    assert receptive_field(model, "conv2d_2", 0, 0) == (0, 0, 8, 8)
    assert receptive_field(model, "conv2d_2", 1, 2) == (4, 2, 12, 10)
    x0, y0, x1, y1 = receptive_field(model, "conv2d_3", 100, 100)   # clipped to the image
    assert (x1, y1) == (32, 30)


def test_the_brightest_spot_wins_and_its_region_holds_it(tiny_spec):
    model = build_model(tiny_spec, seed=0)
    with torch.no_grad():
        model.layer("conv2d_1").op.weight[0] = 1.0          # filter 0 sums brightness
        model.layer("conv2d_1").op.bias[0] = 0.0
    rng = np.random.default_rng(0)
    images = rng.uniform(0.0, 0.3, (12, 30, 32)).astype(np.float32)
    spots = {3: (20, 5), 8: (4, 25), 10: (15, 15)}                  # (y, x)
    for i, (y, x) in spots.items():
        images[i, y:y + 2, x:x + 2] = 0.8 + 0.05 * i
    faces = FaceSet(images, [FaceRecord(f"p{i}", "left") for i in range(12)])
    top = top_images(model, "conv2d_1", faces, k=3)
    assert top.indices.shape == (32, 3) and top.boxes.shape == (32, 3, 4)
    assert list(top.indices[0]) == [10, 8, 3]
    for (i, _v, (x0, y0, x1, y1)) in top.for_filter(0):
        y, x = spots[i]
        assert x0 <= x + 1 and x < x1 and y0 <= y + 1 and y < y1 and x1 - x0 == 3 == y1 - y0
    # Values are the real maximum pre-activation of the filter on that image, best first.
    with torch.no_grad():
        y = model.forward_to(normalize(torch.from_numpy(images)).unsqueeze(1), "conv2d_1")
    np.testing.assert_allclose(top.values[0], y[top.indices[0], 0].flatten(1).max(1).values.numpy(), rtol=1e-5)
    assert np.all(np.diff(top.values, axis=1) <= 0)


def test_dense_units_see_the_whole_image_and_results_are_cached(trained_run, synthetic_small):
    faces = synthetic_small.subset(np.arange(0, len(synthetic_small), 4))
    top = top_images(trained_run, "dense_2", faces, k=9)
    assert top.indices.shape == (64, 9)
    assert np.all(top.boxes == np.array([0, 0, 32, 30]))
    assert len(list((trained_run.cache_dir / "topimages").glob("dense_2-*.npz"))) == 1
    again = top_images(trained_run, "dense_2", faces, k=9)
    np.testing.assert_array_equal(again.indices, top.indices)
    np.testing.assert_array_equal(again.values, top.values)


def test_images_of_another_size_are_refused(trained_run):
    faces = FaceSet(np.zeros((2, 60, 64), np.float32), [FaceRecord("a", "left")] * 2)
    with pytest.raises(FaceVizError, match="64x60.*32x30"):
        top_images(trained_run, "conv2d_1", faces)
