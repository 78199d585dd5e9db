"""Augmentation: deterministic from the seed, geometry in one grid_sample, flips swap labels."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from faceviz_gui.core.data.faceset import FaceRecord, FaceSet
from faceviz_gui.core.training.augment import SPILL_DEPTH, augment_batch, flipped_labels, spill_edges
from faceviz_gui.core.training.specs import AugmentSpec


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def batch(n=16):
    torch.manual_seed(0)
    return torch.randn(n, 1, 30, 32), torch.arange(n) % 2


def faceset(poses):
    recs = [FaceRecord("p", pose, "neutral", "open", 4, f"p/p_{pose}_{i}.pgm")
            for i, pose in enumerate(poses)]
    return FaceSet(np.zeros((len(poses), 30, 32), np.float32), recs)


def test_flipped_labels_for_left_and_pose():
    data = faceset(["straight", "left", "right", "up"])
    # task "left": a mirrored left face is not-left, a mirrored right face is left
    assert flipped_labels(data, "left").tolist() == [0, 0, 1, 0]
    assert data.labels("left").tolist() == [0, 1, 0, 0]
    # task "pose": left and right swap, straight and up stay
    assert flipped_labels(data, "pose").tolist() == [0, 2, 1, 3]


def test_flip_mirrors_exactly_the_images_it_relabels():
    x, y = batch()
    flipped = 1 - y
    for aug in (AugmentSpec(flip=True), AugmentSpec(flip=True, rotate=1e-7)):  # both code paths
        out, out_y = augment_batch(x, y, flipped, aug, gen(3))
        swapped = out_y != y
        assert 0 < swapped.sum() < len(y)
        assert torch.allclose(out[swapped], x[swapped].flip(-1), atol=1e-4)
        assert torch.allclose(out[~swapped], x[~swapped], atol=1e-4)


def test_same_seed_same_batch_other_seed_other_batch():
    x, y = batch()
    aug = AugmentSpec(shift=0.1, scale=0.1, rotate=10, brightness=0.1, contrast=0.2, flip=True)
    a, ya = augment_batch(x, y, 1 - y, aug, gen(5))
    b, yb = augment_batch(x, y, 1 - y, aug, gen(5))
    c, _ = augment_batch(x, y, 1 - y, aug, gen(6))
    assert torch.equal(a, b) and torch.equal(ya, yb)
    assert not torch.allclose(a, c)
    assert a.shape == x.shape and torch.isfinite(a).all()


def test_shift_moves_a_bright_spot():
    x = torch.zeros(8, 1, 30, 32)
    x[:, :, 14:16, 15:17] = 4.0
    out, _ = augment_batch(x, torch.zeros(8, dtype=torch.long), None, AugmentSpec(shift=0.2), gen(1))
    cols = torch.arange(32.0)
    centre = lambda im: float((im.sum(0) * cols).sum() / im.sum())
    moved = [abs(centre(out[i, 0]) - centre(x[i, 0])) for i in range(8)]
    assert max(moved) > 1.0            # up to 0.2 * 32 = 6.4 pixels
    assert max(moved) <= 0.2 * 32 + 1


def test_brightness_is_in_pixel_units_and_contrast_keeps_the_mean():
    x, y = batch()
    out, _ = augment_batch(x, y, None, AugmentSpec(brightness=0.1), gen(2))
    delta = (out - x).mean(dim=(1, 2, 3))
    # normalised input: a pixel offset of at most 0.1 is at most 0.1 / 0.25 = 0.4 here
    assert delta.abs().max() <= 0.4 + 1e-5 and delta.abs().max() > 0.05
    out, _ = augment_batch(x, y, None, AugmentSpec(contrast=0.3), gen(2))
    assert torch.allclose(out.mean(dim=(1, 2, 3)), x.mean(dim=(1, 2, 3)), atol=1e-5)
    assert not torch.allclose(out.std(dim=(1, 2, 3)), x.std(dim=(1, 2, 3)))


def test_rotation_keeps_the_centre_and_changes_the_rest():
    x, y = batch()
    out, _ = augment_batch(x, y, None, AugmentSpec(rotate=30), gen(4))
    assert not torch.allclose(out, x)
    assert (out - x).abs().mean() > 0.1


def test_flip_without_flipped_labels_is_refused():
    x, y = batch()
    with pytest.raises(ValueError):
        augment_batch(x, y, None, AugmentSpec(flip=True), gen())


def test_spill_repeats_the_line_at_a_cut_and_only_in_its_share_of_images():
    n, h, w = 64, 30, 32
    # each pixel holds its own coordinates, so the output says where every pixel came from
    coords = (torch.arange(h).view(h, 1) * 100 + torch.arange(w).view(1, w)).float()
    x = coords.expand(n, 1, h, w).clone()
    none, _ = augment_batch(x, torch.zeros(n, dtype=torch.long), None, AugmentSpec(spill=0.0),
                            gen(1))
    assert torch.equal(none, x)
    out = spill_edges(x, 0.5, gen(2))
    assert torch.equal(out, spill_edges(x, 0.5, gen(2)))  # the seed decides
    changed = 0
    for img in out[:, 0].long():
        rows, cols = img // 100, img % 100
        assert (rows == rows[:, :1]).all() and (cols == cols[:1, :]).all()  # one cut per side
        r, c = rows[:, 0], cols[0, :]
        for kept, size in ((r, h), (c, w)):
            first, last = int(kept[0]), int(kept[-1])
            assert torch.equal(kept, torch.arange(size).clamp(first, last))  # lines repeated
            assert first <= SPILL_DEPTH * size and size - 1 - last <= SPILL_DEPTH * size
        changed += not torch.equal(img, coords.long())
    assert 16 <= changed <= 40  # about half of the images
