"""CKA and unit matching on numbers whose answer is known."""
from __future__ import annotations

import numpy as np
import pytest

from faceviz_gui.core.compare.similarity import (
    centered_gram,
    cka_from_grams,
    correlation_matrix,
    linear_cka,
    match_units,
    pair_features,
    unit_features,
)

rng = np.random.default_rng(0)


def test_cka_is_invariant_to_rotation_and_scale_not_to_everything():
    x = rng.normal(size=(50, 10))
    q, _ = np.linalg.qr(rng.normal(size=(10, 10)))
    assert linear_cka(x, 3.0 * x @ q + 7.0) == pytest.approx(1.0)
    assert linear_cka(x, rng.normal(size=(50, 10))) < 0.4
    half = np.concatenate([x[:, :5], rng.normal(size=(50, 5))], axis=1)
    assert 0.3 < linear_cka(x, half) < 0.8


def test_feature_and_gram_forms_agree():
    x, y = rng.normal(size=(20, 5)), rng.normal(size=(20, 3))
    x[:, 0] += y[:, 0] * 2
    wide = np.concatenate([x, rng.normal(size=(20, 200)) * 0.01], axis=1)  # p >> N: Gram form
    assert linear_cka(x, y) == pytest.approx(cka_from_grams(centered_gram(x), centered_gram(y)))
    assert linear_cka(wide, y) == pytest.approx(
        cka_from_grams(centered_gram(wide), centered_gram(y)), rel=1e-5)
    conv = rng.normal(size=(20, 4, 3, 3))       # (N, C, H, W) is flattened per image
    assert linear_cka(conv, conv.reshape(20, -1)) == pytest.approx(1.0)
    assert np.isnan(linear_cka(np.ones((20, 3)), y))


def test_matching_recovers_a_permutation_and_flags_the_rest():
    a = rng.normal(size=(100, 6))
    perm = np.array([3, 0, 5, 1, 4, 2])
    b = a[:, perm] + rng.normal(scale=0.05, size=(100, 6))
    b[:, 4] = rng.normal(size=100)              # a[:, 4]'s partner replaced by noise
    m = match_units(a, b, "x", "y")
    partner = {i: j for i, j, _ in m.pairs}
    for j, i in enumerate(perm):
        if j != 4:
            assert partner[i] == j
            assert m.partner_of(i)[1] > 0.95
    assert m.unmatched_a == [4] and m.unmatched_b == [4]
    assert m.to_json()["good_pairs"] == 5


def test_dead_units_correlate_with_nothing():
    a = rng.normal(size=(30, 3))
    a[:, 1] = 0.0
    c = correlation_matrix(a, a)
    assert c[1].tolist() == [0, 0, 0] and c[0, 0] == pytest.approx(1.0)



def test_conv_units_are_compared_per_image_cell():
    conv = rng.normal(size=(10, 3, 8, 8))
    f = unit_features(conv)
    assert f.shape == (10, 3, 4, 4)
    np.testing.assert_allclose(f[:, :, 0, 0], conv[:, :, :2, :2].mean(axis=(2, 3)), atol=1e-6)
    # Same units seen at another resolution still line up cell by cell.
    big = np.repeat(np.repeat(conv, 2, axis=2), 2, axis=3)
    m = match_units(f, unit_features(big))
    assert [(i, j) for i, j, _ in m.pairs] == [(0, 0), (1, 1), (2, 2)]
    assert min(c for *_, c in m.pairs) == pytest.approx(1.0)
    # A conv layer against a dense one: per image, the conv map's mean.
    a, b = pair_features(f, rng.normal(size=(10, 5)))
    assert a.shape == (10, 3) and b.shape == (10, 5)
    np.testing.assert_allclose(a, conv.mean(axis=(2, 3)), atol=1e-6)
