"""One grey channel parameterised in the Fourier domain (Lucid's fft_image, cut down).

Optimising the spectrum with 1/f scaling instead of raw pixels decorrelates the gradient
across space, which is what stops small nets' maps from turning into high-frequency noise.
"""
from __future__ import annotations

import numpy as np
import torch


def spectrum_scale(h: int, w: int, decay_power: float = 1.0) -> torch.Tensor:
    """(h, w//2+1) weights ~ 1/f, so every frequency band starts with equal energy."""
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    freqs = np.sqrt(fx * fx + fy * fy)
    scale = 1.0 / np.maximum(freqs, 1.0 / max(h, w)) ** decay_power
    return torch.from_numpy(scale.astype(np.float32))


def init_spectrum(generator: torch.Generator, h: int, w: int, sd: float = 0.01) -> torch.Tensor:
    """Initial (2, h, w//2+1) real/imaginary parts for one image."""
    return torch.randn(2, h, w // 2 + 1, generator=generator) * sd


def spectrum_to_image(spectrum: torch.Tensor, scale: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(n, 2, h, wf) spectrum -> (n, 1, h, w) image in [0, 1].

    ``norm="ortho"`` equals Lucid's ``irfft * sqrt(h*w)``; the division by 4 is Lucid's too
    and keeps the starting image close to grey after the sigmoid.
    """
    z = torch.complex(spectrum[:, 0], spectrum[:, 1]) * scale
    x = torch.fft.irfft2(z, s=size, norm="ortho") / 4.0
    return torch.sigmoid(x).unsqueeze(1)


def high_frequency_share(image: np.ndarray) -> float:
    """Share of the spectral energy (mean removed) above half the Nyquist frequency."""
    img = np.asarray(image, dtype=np.float64)
    img = img - img.mean()
    power = np.abs(np.fft.rfft2(img)) ** 2
    h, w = img.shape
    fy = np.abs(np.fft.fftfreq(h))[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    high = np.maximum(fx, fy) > 0.25          # Nyquist is 0.5 cycles per pixel
    total = power.sum()
    return float(power[high].sum() / total) if total > 0 else 0.0
