"""The plainest batched torch rendering of the HappyMaps recipe: the baseline for bench/happymaps.py.

Same recipe as faceviz_gui.core.maps.happymaps, written the way one would write it first:
a (n, 2, h, w//2+1) Fourier spectrum per layer chunk with 1/f scaling, irfft2 and a sigmoid,
the training normalisation, one random affine per sample and step (affine_grid + grid_sample,
reflection padding), the model's own forward pass up to the target layer (``forward_to``,
pre-activation), the mean of each sample's channel (the unit for dense layers), the relative
grey pull, Adam at lr 0.05, the same steps, seeds and chunk size. Weights are frozen
(``requires_grad_(False)``), as any feature-visualisation script does; nothing else is tuned.

    python bench/happymaps_plain.py RUN --layers conv2d_3 dense_1 --steps 64 --threads 1

Run as its own process by bench/happymaps.py, so process start counts on both sides. Prints
one line per layer and a final ``seconds=... mean_act=...`` line.
"""
from __future__ import annotations

import argparse
import math
import time

import torch
import torch.nn.functional as F

from faceviz_gui.core.data.faceset import normalize
from faceviz_gui.core.maps import happymaps as hm
from faceviz_gui.core.maps.fourier import init_spectrum, spectrum_scale
from faceviz_gui.core.maps.mapops import FIRST_LAYER_LEAK, ROTATE_DEG, SCALE_RANGE, SHIFT
from faceviz_gui.core.training.runs import find_run


def render(model, layer: str, filters: list[int], steps: int, seed: int = 0) -> list[float]:
    h, w = model.input_size
    n = len(filters)
    gens = [torch.Generator().manual_seed(hm.filter_seed(layer, f, seed)) for f in filters]
    spectrum = torch.stack([init_spectrum(g, h, w) for g in gens]).requires_grad_(True)
    shakes = torch.stack([torch.rand(steps, 4, generator=g) for g in gens], 1)
    scale = spectrum_scale(h, w)
    targets = torch.tensor(filters)
    first = model.layer_names.index(layer) == 0
    opt = torch.optim.Adam([spectrum], lr=hm.LR)
    ref = None
    for step in range(steps):
        opt.zero_grad()
        z = torch.complex(spectrum[:, 0], spectrum[:, 1]) * scale
        img = torch.sigmoid(torch.fft.irfft2(z, s=(h, w), norm="ortho") / 4.0).unsqueeze(1)
        r = shakes[step]
        s = 1.0 / (SCALE_RANGE[0] + r[:, 2] * (SCALE_RANGE[1] - SCALE_RANGE[0]))
        a = (r[:, 3] * 2 - 1) * math.radians(ROTATE_DEG)
        tx, ty = (r[:, 0] * 2 - 1) * SHIFT * 2, (r[:, 1] * 2 - 1) * SHIFT * 2
        theta = torch.stack([
            torch.stack([torch.cos(a) * s, -torch.sin(a) * s * h / w, tx], 1),
            torch.stack([torch.sin(a) * s * w / h, torch.cos(a) * s, ty], 1)], 1)
        grid = F.affine_grid(theta, list(img.shape), align_corners=False)
        x = F.grid_sample(img, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
        y = model.forward_to(normalize(x), layer)
        if first and y.dim() == 4:
            y = F.leaky_relu(y, FIRST_LAYER_LEAK)
        sel = y[torch.arange(n), targets]
        act = sel.mean(dim=(1, 2)) if sel.dim() == 3 else sel
        grey = ((img - 0.5) ** 2).mean(dim=(1, 2, 3))
        ref = act.detach().abs().clamp_min(1e-3) if ref is None else torch.maximum(ref, act.detach().abs())
        loss = hm.GREY_PULL * grey - act / ref
        loss.sum().backward()
        opt.step()
    with torch.no_grad():
        z = torch.complex(spectrum[:, 0], spectrum[:, 1]) * scale
        img = torch.sigmoid(torch.fft.irfft2(z, s=(h, w), norm="ortho") / 4.0).unsqueeze(1)
        y = model.forward_to(normalize(img), layer)
        if first and y.dim() == 4:
            y = F.leaky_relu(y, FIRST_LAYER_LEAK)
        sel = y[torch.arange(n), targets]
        return (sel.mean(dim=(1, 2)) if sel.dim() == 3 else sel).tolist()


def main() -> None:
    t0 = time.perf_counter()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run")
    ap.add_argument("--layers", nargs="+", required=True)
    ap.add_argument("--steps", type=int, default=256)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", help="runs folder (default: the user data dir)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = find_run(args.run, args.runs).load_model("cpu").eval().requires_grad_(False)
    units = {i.name: i.units for i in model.layer_info()}
    acts: list[float] = []
    for layer in args.layers:
        idx = list(range(units[layer]))
        chunk = hm.chunk_size(model.input_size)
        t1 = time.perf_counter()
        got = [a for i in range(0, len(idx), chunk) for a in render(model, layer, idx[i:i + chunk], args.steps)]
        print(f"{layer}: {len(got)} maps, mean activation {sum(got) / len(got):.3f} "
              f"({time.perf_counter() - t1:.1f} s)", flush=True)
        acts.extend(got)
    print(f"seconds={time.perf_counter() - t0:.2f} mean_act={sum(acts) / len(acts):.4f}")


if __name__ == "__main__":
    main()
