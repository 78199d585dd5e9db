"""Attention timing on one face: each method, and FaceViz's Grad-CAM against captum's.

Runs experiment0's architecture (random weights: timing does not depend on training) at
64x60 and 32x30 on the CPU with 1 and 2 torch threads, 200 interleaved repeats after a
warm-up (5 for IG and occlusion), and prints median milliseconds. Last line: key=value
pairs (gradcam_64x60_ms, captum_gradcam_64x60_ms, gradcam_vs_captum_64x60, and at 32x30).
"""
from __future__ import annotations

import statistics
import time

import numpy as np
import torch

from faceviz_gui.core.attention.methods import attribute, last_conv_layer
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.specs import find_spec


def _median_ms(fns: dict, repeats: int) -> dict[str, float]:
    """Median ms of each function, run interleaved so machine noise hits all alike."""
    for fn in fns.values():
        for _ in range(3):
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) * 1000 for k, v in times.items()}


def _captum_gradcam(model, x):
    from captum.attr import LayerAttribution, LayerGradCam
    layer = model.layer(last_conv_layer(model))
    with torch.no_grad():
        target = int(model(x).argmax())
    cam = LayerGradCam(model, layer).attribute(x, target=target, relu_attributions=True)
    return LayerAttribution.interpolate(cam, tuple(x.shape[2:]), "bilinear")


def main() -> None:
    summary = {}
    print(f"{'size':>6} {'threads':>7} {'method':>10} {'median ms':>10}")
    for scale in (2, 4):
        spec = find_spec("experiment0").copy(scale=scale)
        model = build_model(spec, seed=0).eval()
        h, w = spec.input_size
        x = torch.from_numpy(np.random.default_rng(0).normal(0, 1, (1, 1, h, w)).astype(np.float32))
        for threads in (1, 2):
            torch.set_num_threads(threads)
            fast = {m: (lambda m=m: attribute(model, x, m)) for m in ("gradcam", "saliency", "guided")}
            fast["captum-gradcam"] = lambda: _captum_gradcam(model, x)
            fast["gradcam-classic"] = lambda: attribute(model, x, "gradcam", classic=True)
            rows = _median_ms(fast, 200)
            rows.update(_median_ms({m: (lambda m=m: attribute(model, x, m))
                                    for m in ("ig", "occlusion")}, 5))
            for m, ms in rows.items():
                print(f"{w}x{h:<3} {threads:>7} {m:>10} {ms:>10.2f}")
            if threads == 1:
                summary[f"gradcam_{w}x{h}_ms"] = round(rows["gradcam"], 2)
                summary[f"captum_gradcam_{w}x{h}_ms"] = round(rows["captum-gradcam"], 2)
                summary[f"gradcam_vs_captum_{w}x{h}"] = round(rows["captum-gradcam"] / rows["gradcam"], 2)
    print(" ".join(f"{k}={v}" for k, v in summary.items()))


if __name__ == "__main__":
    main()
