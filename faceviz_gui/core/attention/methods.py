"""Where a network looks on one image: attribution heatmaps aligned with the model's input.

Methods: ``saliency``, ``ig`` (Integrated Gradients), ``guided`` (Guided Backprop) and
``occlusion`` come from captum, which is maintained, installs beside torch 2.13 without
pulling anything, and removes its own hooks. ``gradcam`` is written here: FaceNet runs as a
plain loop of named layers, so the last conv layer's output is a tensor we hold without any
hook, and one autograd.grad call gives the gradients. captum's LayerGradCam needs a forward
hook, runs the whole forward pass with autograd and a second one for the prediction; on one
64x60 face it measured 3.0 ms against 1.6 ms here (bench/attention.py, 1 thread, interleaved),
and Grad-CAM is the method the live view runs on every frame. See ``_gradcam`` for why the
default keeps gradients per position.

The caller passes a model it owns (in eval mode, e.g. ``run.load_model()`` or a copy of the
training thread's state dict): nothing here calls ``.eval()``/``.train()`` on it, and only
input or activation gradients are taken, so parameter ``.grad`` is never touched.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from faceviz_gui.core.attention import colormaps
from faceviz_gui.core.errors import FaceVizError

METHODS = ("gradcam", "saliency", "ig", "guided", "occlusion")
METHOD_NAMES = {"gradcam": "Grad-CAM", "saliency": "Saliency", "ig": "Integrated Gradients",
                "guided": "Guided Backprop", "occlusion": "Occlusion"}


@dataclass
class AttentionResult:
    heatmap: np.ndarray            # float32 (H, W) in [0, 1], aligned with the model input
    method: str
    target: int                    # class index the map explains
    predicted: int                 # argmax of the output
    outputs: np.ndarray            # float32 (classes,): softmax probabilities or raw outputs
    classes: tuple[str, ...]
    output_kind: str               # "softmax" (probabilities) or "linear" (raw outputs)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def predicted_class(self) -> str:
        return self.classes[self.predicted]

    @property
    def target_class(self) -> str:
        return self.classes[self.target]

    def describe(self) -> str:
        """One line: 'left (p=0.93; not_left 0.07, left 0.93)' or raw outputs for linear."""
        label = "p" if self.output_kind == "softmax" else "out"
        parts = ", ".join(f"{c} {v:.2f}" for c, v in zip(self.classes, self.outputs))
        return f"{self.predicted_class} ({label}={self.outputs[self.predicted]:.2f}; {parts})"


def attribute(model, x, method: str = "gradcam", target: int | str | None = None,
              **options) -> AttentionResult:
    """Heatmap of ``method`` for class ``target`` (index, class name, or None = predicted).

    ``x`` is network input (already ``faceset.normalize``d): (H, W), (1, H, W) or
    (1, 1, H, W), numpy or torch, at ``model.input_size``. Options: ``steps`` (ig, default
    32), ``window`` and ``stride`` (occlusion, pixels; default about an eighth of the height),
    ``classic`` (gradcam: channel weights averaged over space, as in the Grad-CAM paper;
    the default keeps them per position, see ``_gradcam``).
    """
    if method not in METHODS:
        raise FaceVizError(f"unknown attention method {method!r} (known: {', '.join(METHODS)})")
    x = _as_input(model, x)
    start = time.perf_counter()
    notes: list[str] = []
    if method == "gradcam":
        # One forward pass serves both the prediction and the map (the live view's budget).
        acts, out = forward_from_last_conv(model, x)
        predicted = int(out[0].argmax())
        tgt = _target_index(model, target, predicted)
        raw = _gradcam(model, acts, out, tgt, tuple(x.shape[2:]), notes,
                       bool(options.get("classic", False)))
    else:
        with torch.no_grad():
            out = model(x)
        predicted = int(out[0].argmax())
        tgt = _target_index(model, target, predicted)
        raw = _captum(model, x, method, tgt, options)
    outputs = model.probabilities(out.detach())[0].float().cpu().numpy()
    heat = _to_unit(raw)
    return AttentionResult(heat, method, tgt, predicted, outputs.astype(np.float32),
                           tuple(model.classes), model.output_activation,
                           time.perf_counter() - start, notes)


def attribute_image(model, grey: np.ndarray, method: str = "gradcam",
                    target: int | str | None = None, **options) -> AttentionResult:
    """As :func:`attribute`, from a grey image in [0, 1] at the model's input size."""
    from faceviz_gui.core.data.faceset import normalize
    return attribute(model, normalize(np.asarray(grey, dtype=np.float32)), method, target,
                     **options)


# ---------------------------------------------------------------------------- methods


def last_conv_layer(model) -> str:
    convs = [l.name for l in model.layers if l.kind == "conv2d"]
    if not convs:
        raise FaceVizError("Grad-CAM needs a conv layer; this network has none")
    return convs[-1]


def forward_from_last_conv(model, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The last conv layer's output as a graph leaf, and the answers computed from it (as
    FaceNet.forward in eval mode: with mirror averaging the leaf holds the mirror image's
    activations too, and the map reads the first, unmirrored one)."""
    cut = model.layer_names.index(last_conv_layer(model)) + 1
    with torch.no_grad():
        h = model.paired(x)
        for layer in model.layers[:cut]:
            h = layer(h)
    # A leaf here: the graph starts at the activations and never reaches earlier weights.
    acts = h.requires_grad_(True)
    with torch.enable_grad():
        h = acts
        for layer in model.layers[cut:]:
            h = layer(h)
    return acts, model.answer(h)


def _gradcam(model, acts: torch.Tensor, out: torch.Tensor, target: int, size: tuple[int, int],
             notes: list[str], classic: bool = False) -> torch.Tensor:
    """Grad-CAM (Selvaraju et al. 2017) on the last conv layer's rectified output."""
    (grad,) = torch.autograd.grad(out[0, target], acts)
    # Classic Grad-CAM weighs each channel by its gradient's spatial mean. FaceViz's nets end
    # in flatten + dense, whose weights differ per position, so that mean throws away where
    # the dense layer looks (a net that reads only one corner gets a map over the whole
    # face). Keeping the gradient per position (HiResCAM, Draelos & Carin 2020) is faithful
    # to such nets and equals Grad-CAM for global-average-pooled ones.
    weights = grad.mean(dim=(2, 3), keepdim=True) if classic else grad
    cam = torch.relu((weights * acts.detach()).sum(dim=1, keepdim=True))
    if float(cam.max()) <= 0:
        notes.append(f"no positive evidence for {model.classes[target]!r} in "
                     f"{last_conv_layer(model)}")
    cam = F.interpolate(cam, size=size, mode="bilinear", align_corners=False)
    return cam[0, 0]


def _captum(model, x: torch.Tensor, method: str, target: int, options: dict) -> torch.Tensor:
    from captum import attr

    xin = x.clone().requires_grad_(True)
    baseline = torch.zeros_like(x)  # normalised grey (0.5): "no face here"
    if method == "saliency":
        a = attr.Saliency(model).attribute(xin, target=target, abs=True)
    elif method == "ig":
        steps = int(options.get("steps", 32))
        a = attr.IntegratedGradients(model).attribute(
            xin, baselines=baseline, target=target, n_steps=steps, internal_batch_size=steps)
    elif method == "guided":
        with warnings.catch_warnings():  # "hooks will be removed after": they are, by captum
            warnings.filterwarnings("ignore", message="Setting backward hooks")
            a = attr.GuidedBackprop(model).attribute(xin, target=target)
    else:  # occlusion
        h = x.shape[2]
        window = int(options.get("window", max(3, h // 8)))
        stride = int(options.get("stride", max(1, window // 2)))
        a = attr.Occlusion(model).attribute(
            x, sliding_window_shapes=(1, window, window), strides=(1, stride, stride),
            baselines=0.0, target=target, perturbations_per_eval=64)
    # Signed attributions: where the image pushes the score either way is where it looks.
    return a.detach()[0, 0].abs()


# ---------------------------------------------------------------------------- helpers


def _as_input(model, x) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(x, dtype=np.float32)) if not torch.is_tensor(x) else x
    t = t.detach().float()
    while t.dim() < 4:
        t = t.unsqueeze(0)
    if t.shape[0] != 1 or t.shape[1] != 1:
        raise FaceVizError(f"attention takes one grey image; got shape {tuple(x.shape)}")
    if tuple(t.shape[2:]) != tuple(model.input_size):
        h, w = model.input_size
        raise FaceVizError(f"image is {t.shape[3]}x{t.shape[2]} but the network takes "
                           f"{w}x{h}; resize it first")
    device = next(model.parameters()).device
    return t.to(device)


def _target_index(model, target, predicted: int) -> int:
    classes = list(model.classes)
    if target is None:
        return predicted
    if isinstance(target, str) and not target.lstrip("-").isdigit():
        if target not in classes:
            raise FaceVizError(f"unknown class {target!r} (classes: {', '.join(classes)})")
        return classes.index(target)
    i = int(target)
    if not 0 <= i < len(classes):
        raise FaceVizError(f"target class {i} out of range (0..{len(classes) - 1}: "
                           f"{', '.join(classes)})")
    return i


def _to_unit(raw: torch.Tensor) -> np.ndarray:
    """Scale to [0, 1] by the maximum (not min-max: zero attribution stays zero)."""
    a = raw.float().cpu().numpy()
    a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
    peak = float(a.max()) if a.size else 0.0
    return (a / peak if peak > 0 else np.zeros_like(a)).astype(np.float32)


def overlay(grey_image: np.ndarray, heatmap: np.ndarray, alpha: float = 0.5,
            colormap: str = "jet") -> np.ndarray:
    """uint8 RGB (H, W, 3): the grey image with the coloured heatmap blended over it.

    ``grey_image`` is float in [0, 1] or uint8; a heatmap of another size is resized
    (bilinear) to the image's. The blend weight is ``alpha * heat`` per pixel, so
    unattended parts keep the plain face and the attended ones take the colour.
    """
    from PIL import Image

    img = np.asarray(grey_image)
    img = img.astype(np.float32) / 255.0 if img.dtype == np.uint8 else img.astype(np.float32)
    if img.ndim != 2:
        raise ValueError(f"overlay takes a grey (H, W) image, got shape {img.shape}")
    heat = np.asarray(heatmap, dtype=np.float32)
    if heat.shape != img.shape:
        heat = np.asarray(Image.fromarray(heat, mode="F").resize(
            (img.shape[1], img.shape[0]), Image.BILINEAR))
    heat = np.clip(np.nan_to_num(heat), 0.0, 1.0)
    colour = colormaps.apply(heat, colormap).astype(np.float32) / 255.0
    base = np.repeat(np.clip(img, 0.0, 1.0)[..., None], 3, axis=2)
    w = (float(alpha) * heat)[..., None]
    return np.round((base * (1 - w) + colour * w) * 255).astype(np.uint8)
