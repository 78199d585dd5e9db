"""`faceviz eval RUN --data FOLDER --crop-faces` and the live pipeline (the Live page's path
for a photo) give the same answers on the same photos for a run whose spec preprocesses."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from live_helpers import background, cmu_shot, place, shots

from faceviz_gui.cli import main
from faceviz_gui.core.data.cmu import load_cmu
from faceviz_gui.core.data.imageload import decode_image
from faceviz_gui.core.live.pipeline import LivePipeline
from faceviz_gui.core.training.fit import fit
from faceviz_gui.core.training.specs import from_dict

SPEC = {"name": "pre", "task": "pose", "scale": 4, "preprocess": {"normalize": "image"},
        "augment": {"background": 0.5, "gamma": 0.5},
        "train": {"epochs": 2, "batch_size": 32},
        "layers": [{"type": "conv2d", "filters": 8}, {"type": "max_pooling2d"},
                   {"type": "conv2d", "filters": 8}, {"type": "global_average_pooling2d"},
                   {"type": "dense", "units": 16}]}


@pytest.mark.cmu
def test_eval_crop_faces_and_live_agree_on_photos_for_a_preprocessing_run(
        cmu_dir, tmp_path, capsys):
    run = fit(from_dict(SPEC), load_cmu(cmu_dir, scale=4), runs_root=tmp_path / "runs",
              device="cpu").run
    assert "normalize = \"image\"" in (run.path / "spec.toml").read_text()
    root = tmp_path / "photos"
    for k, pose in enumerate(("straight", "left", "right", "up")):
        (root / pose).mkdir(parents=True)
        for i, path in enumerate(shots(cmu_dir, pose, 2)):
            # a brighter room than CMU's and another exposure: preprocessing has work to do
            frame, _ = place(cmu_shot(path), 60 + 150 * i, 40, zoom=2.0,
                             frame=np.clip(background(seed=k) * 1.3 + 40, 0, 255).astype(np.uint8))
            cv2.imwrite(str(root / pose / f"{path.name.split('_')[0]}_{i}.png"), frame)
    assert main(["eval", str(run.path), "--data", str(root), "--crop-faces", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["n"] == 8
    pipeline = LivePipeline.from_run(run, method="none")
    for path, pred, probs in zip(result["paths"], result["predictions"],
                                 result["probabilities"]):
        image, _ = decode_image(path)  # what the Live page does with a dropped photo
        pipeline.reset()
        live = pipeline.process(np.clip(image * 255 + 0.5, 0, 255).astype(np.uint8), still=True)
        assert live.predicted == pred, path
        assert np.allclose(live.outputs, probs, atol=1e-4), path
