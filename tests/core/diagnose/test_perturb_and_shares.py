"""The factors' image changes, attention regions, PCA, and findings wording on known cases."""
from __future__ import annotations

import numpy as np
import pytest

from faceviz_gui.core.diagnose import attention_share, embedding, perturb


def _dot(h=30, w=32, x=16, y=15):
    im = np.zeros((1, h, w), np.float32)
    im[0, y - 1:y + 2, x - 1:x + 2] = 1
    return im


def _centre(im):
    ys, xs = np.nonzero(im > 0.5)
    return xs.mean(), ys.mean()


def test_geometry_moves_content_the_named_way():
    boxes = np.array([[8, 8, 14, 14]], np.float32)
    cx, cy = _centre(perturb.apply("shift_x", 0.25, _dot(), boxes)[0])
    assert cx == pytest.approx(16 + 8, abs=1) and cy == pytest.approx(15, abs=1)
    cx, cy = _centre(perturb.apply("shift_y", -0.2, _dot(), boxes)[0])
    assert cy == pytest.approx(15 - 6, abs=1)
    cx, _ = _centre(perturb.apply("scale", 1.5, _dot(x=24), boxes)[0])
    assert cx == pytest.approx(16 + 8 * 1.5, abs=1.2)
    flipped = perturb.apply("mirror", 1, _dot(x=5), boxes)[0]
    assert _centre(flipped)[0] == pytest.approx(31 - 5, abs=0.6)


def test_photometry_and_background_and_match():
    rng = np.random.default_rng(0)
    ims = rng.uniform(0.3, 0.7, (4, 30, 32)).astype(np.float32)
    boxes = np.tile([[9, 8, 14, 14]], (4, 1)).astype(np.float32)
    assert perturb.apply("brightness", 0.1, ims, boxes).mean() == pytest.approx(ims.mean() + 0.1, abs=1e-4)
    assert perturb.apply("contrast", 2.0, ims, boxes).std() > 1.8 * ims.std()
    bg = perturb.apply("background", 0.2, ims, boxes)
    assert np.allclose(bg[:, 15, 16], ims[:, 15, 16]) and (bg[:, 0, 0] - ims[:, 0, 0]).min() > 0.15
    m = perturb.apply("match", 1.0, ims, boxes, match_to=(0.25, 0.05))
    assert m.mean(axis=(1, 2)) == pytest.approx([0.25] * 4, abs=1e-3)
    assert m.std(axis=(1, 2)) == pytest.approx([0.05] * 4, abs=1e-3)
    assert perturb.apply("blur", 2.0, ims, boxes).std() < ims.std() / 2


def test_framing_recrops_the_photo_around_the_face():
    frame = np.zeros((120, 128), np.uint8)
    frame[50:70, 54:74] = 255                     # the "face", in the middle
    crop = np.zeros((1, 30, 32), np.float32)
    rect = (32, 30, 64, 60)                       # the crop showed the middle half
    loose = perturb.apply("framing", 2.0, crop, np.array([[8, 8, 16, 16]]), [frame], [rect])[0]
    tight = perturb.apply("framing", 0.5, crop, np.array([[8, 8, 16, 16]]), [frame], [rect])[0]
    assert (loose > 0.5).mean() < (tight > 0.5).mean()


def test_regions_partition_the_image_and_shares_sum_to_one():
    masks = attention_share.region_masks((10, 8, 12, 12), (30, 32))
    total = sum(m.astype(int) for m in masks.values())
    assert (total == 1).all()
    heat = np.zeros((30, 32), np.float32)
    heat[12:16, 12:18] = 1
    s = attention_share.shares(heat, (10, 8, 12, 12))
    assert s["face"] == pytest.approx(1.0) and sum(s.values()) == pytest.approx(1.0)
    heat[:] = 0
    heat[0:2, :] = 1
    assert attention_share.shares(heat, (10, 8, 12, 12))["background"] > 0.7


def test_pca_separates_two_clusters_and_measures_own_cluster():
    rng = np.random.default_rng(0)
    train = np.vstack([rng.normal(0, 1, (40, 10)), rng.normal(5, 1, (40, 10))])
    labels = np.array([0] * 40 + [1] * 40)
    new = np.vstack([rng.normal(0, 1, (5, 10)), rng.normal(0, 1, (5, 10))])
    e = embedding.pca_embedding("dense_2", train, labels, new, np.array([0] * 5 + [1] * 5))
    assert e.points.shape == (10, 2) and e.explained[0] > 0.5
    assert e.own_cluster == pytest.approx(0.5) and e.own_cluster_train == 1.0
