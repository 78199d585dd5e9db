"""Spec preprocessing (per-image standardising), the global-average-pooling head and the
backdrop and gamma augmentations: new spec fields, old specs unchanged."""
from __future__ import annotations

import pytest
import torch

from faceviz_gui.core.errors import SpecError
from faceviz_gui.core.training.augment import augment_batch
from faceviz_gui.core.training.backgrounds import head_mask
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.specs import AugmentSpec, find_spec, from_dict, load_spec

GAP_LAYERS = [{"type": "conv2d", "filters": 8, "kernel": 3}, {"type": "max_pooling2d"},
              {"type": "global_average_pooling2d"}, {"type": "dense", "units": 4}]


def spec_dict(**extra):
    d = {"name": "t", "task": "pose", "scale": 4, "layers": GAP_LAYERS}
    d.update(extra)
    return d


def test_old_specs_save_exactly_as_before_and_build_the_same_layers():
    spec = find_spec("experiment0")
    text = spec.to_toml()
    assert "preprocess" not in text and "gamma" not in text and "background" not in text
    names = build_model(spec).layer_names
    assert names[0] == "conv2d_1" and names[-1] == "dense_3"


def test_preprocess_and_new_augment_fields_round_trip(tmp_path):
    spec = from_dict(spec_dict(preprocess={"normalize": "image"},
                               augment={"gamma": 0.5, "background": 0.7}))
    again = load_spec(spec.save(tmp_path / "t.toml"))
    assert again.preprocess.normalize == "image"
    assert (again.augment.gamma, again.augment.background) == (0.5, 0.7)


@pytest.mark.parametrize("extra, field", [
    ({"preprocess": {"normalize": "histogram"}}, "preprocess.normalize"),
    ({"preprocess": {"mean": 1}}, "preprocess.mean"),
    ({"augment": {"background": 1.5}}, "augment.background"),
    ({"augment": {"gamma": -1.0}}, "augment.gamma"),
])
def test_bad_preprocess_and_augment_values_name_the_field(extra, field):
    with pytest.raises(SpecError, match=field.replace(".", r"\.")):
        from_dict(spec_dict(**extra))


def test_conv_after_global_average_pooling_is_refused():
    layers = GAP_LAYERS[:3] + [{"type": "conv2d", "filters": 4}]
    with pytest.raises(SpecError, match=r"layers\[3\]\.type"):
        from_dict(spec_dict(layers=layers))


def test_global_average_pooling_head_has_keras_names_and_one_value_per_channel():
    model = build_model(from_dict(spec_dict()), seed=0)
    assert model.layer_names == ["conv2d_1", "max_pooling2d_1", "global_average_pooling2d_1",
                                 "dense_1", "dense_2"]
    info = {i.name: i for i in model.layer_info()}
    assert info["global_average_pooling2d_1"].output_shape == (8,)
    assert info["dense_2"].output_shape == (4,)


def test_image_standardising_makes_the_network_blind_to_brightness_and_contrast():
    spec = from_dict(spec_dict(preprocess={"normalize": "image"}))
    model = build_model(spec, seed=0).eval()
    assert model.layer_names[0] == "preprocess_1"
    plain = build_model(from_dict(spec_dict()), seed=0).eval()
    assert list(model.state_dict()) != [] and all(
        a.shape == b.shape for a, b in zip(model.state_dict().values(), plain.state_dict().values()))
    x = torch.randn(3, 1, 30, 32)  # normalised input, as every caller gives
    brighter = x + 1.2               # the same scene, brighter
    harder = x * 1.6 + 0.3           # and with more contrast
    with torch.no_grad():
        assert torch.allclose(model(x), model(brighter), atol=1e-5)
        # a small floor under the spread (EPS) keeps flat images from turning into noise
        assert torch.allclose(model(x), model(harder), atol=2e-3)
        assert not torch.allclose(plain(x), plain(brighter), atol=1e-2)


def test_backdrop_replacement_keeps_the_head_and_changes_the_rest():
    x, y = torch.zeros(8, 1, 30, 32), torch.zeros(8, dtype=torch.long)
    aug = AugmentSpec(background=1.0)
    out, _ = augment_batch(x, y, None, aug, torch.Generator().manual_seed(1))
    again, _ = augment_batch(x, y, None, aug, torch.Generator().manual_seed(1))
    assert torch.equal(out, again)  # reproducible from the seed
    mask = head_mask(30, 32)[0, 0]
    assert mask[14, 16] == 1 and mask[0, 0] == 0
    assert torch.all(out[:, 0, 14, 16] == 0)             # the face is untouched
    assert out[:, 0, 0, 0].abs().min() > 0                 # the corner is a new backdrop
    assert out[:, 0, 0, 0].std() > 0.3                     # and a different one per image


def test_gamma_changes_mid_greys_but_keeps_black_and_white():
    from faceviz_gui.core.data.faceset import denormalize, normalize
    px = torch.tensor([0.0, 0.5, 1.0]).view(1, 1, 1, 3).repeat(16, 1, 1, 1)
    out, _ = augment_batch(normalize(px), torch.zeros(16, dtype=torch.long), None,
                           AugmentSpec(gamma=1.0), torch.Generator().manual_seed(0))
    p = denormalize(out)
    assert torch.allclose(p[:, 0, 0, 2], torch.ones(16), atol=1e-5)
    assert p[:, 0, 0, 0].max() < 0.01
    assert p[:, 0, 0, 1].std() > 0.05


def test_face_standardising_scales_by_the_face_region_not_the_wall_around_it():
    from faceviz_gui.core.data.preprocess import FaceStandardize, ImageStandardize
    x = torch.randn(2, 1, 30, 32)
    walled = x.clone()
    walled[..., :, :6] += 3.0   # a bright wall left of the face, outside the face region
    face = FaceStandardize()
    inner = (slice(None), slice(None), slice(10, 20), slice(12, 20))
    assert torch.allclose(face(x)[inner], face(walled)[inner], atol=1e-5)
    assert not torch.allclose(ImageStandardize()(x)[inner], ImageStandardize()(walled)[inner],
                              atol=1e-2)
    spec = from_dict(spec_dict(preprocess={"normalize": "face"}))
    assert build_model(spec).layer_names[0] == "preprocess_1"
