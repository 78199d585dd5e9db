"""Exported galleries in plain words: the HappyMap settings, a map's statistics, unit names.

The settings row of an export used to read "grey_pull=2.0, recipe=1": internal names. A
reader of the HTML or PDF gets sentences; metadata.json keeps the raw values for scripts.
"""
from __future__ import annotations

from typing import Any


def settings_words(s: dict[str, Any]) -> str:
    """The optimisation that drew the maps, as a sentence or two."""
    parts = []
    if "steps" in s:
        lr = f", learning rate {s['lr']:g}" if "lr" in s else ""
        seed = f", seed {s['seed']}" if "seed" in s else ""
        parts.append(f"{s['steps']} optimisation steps (Adam{lr}{seed})")
    if "input_size" in s:
        h, w = s["input_size"]
        parts.append(f"at the network's input size, {w}×{h} pixels")
    jitter = []
    if s.get("shift"):
        jitter.append(f"shifted up to {100 * float(s['shift']):.0f}%")
    if s.get("scale"):
        lo, hi = s["scale"]
        jitter.append(f"scaled {lo:g}–{hi:g}")
    if s.get("rotate_deg"):
        jitter.append(f"rotated up to ±{float(s['rotate_deg']):g}°")
    if jitter:
        parts.append("the image is " + ", ".join(jitter) + " at each step, so the map shows "
                     "what the unit looks for, not one lucky pixel pattern")
    if s.get("grey_pull"):
        rel = " relative to the best activation so far" if s.get("relative") else ""
        parts.append(f"a pull towards plain grey (weight {float(s['grey_pull']):g}{rel}) keeps "
                     "only what raises the activation")
    if s.get("first_layer_leak"):
        parts.append(f"first-layer ReLUs leak {float(s['first_layer_leak']):g} so a silent "
                     "filter still gets a gradient")
    if "recipe" in s:
        parts.append(f"map recipe version {s['recipe']}")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "." if text else ""


def decision_layer(spec) -> str:
    """The decision layer's name (nets.build_model appends it as the last dense layer)."""
    return f"dense_{sum(1 for layer in spec.layers if layer.type == 'dense') + 1}"


def unit_names(run, layer: str, count: int, kind: str) -> list[str]:
    """Class names for the decision layer's units, else "filter #i" / "unit #i"."""
    if run is not None:
        try:
            spec = run.spec
            if layer == decision_layer(spec) and len(spec.unit_classes) == count:
                return list(spec.unit_classes)
        except Exception:  # an unreadable spec: numbers, as before
            pass
    what = "filter" if kind == "conv2d" else "unit"
    return [f"{what} #{i}" for i in range(count)]


def stats_words(m, name: str) -> str:
    """A map's statistics as one readable line (the HTML tooltip, the PDF caption)."""
    s = m.stats()
    words = [name, f"activation reached {s['activation']:.3g}",
             f"saturated pixels {100 * s['saturation']:.0f}%",
             f"high-frequency energy {100 * s['hf_energy']:.0f}%"]
    if s.get("final_loss") is not None:
        words.append(f"final loss {s['final_loss']:.3g}")
    if s.get("dead"):
        words.append(f"dead: {s.get('dead_reason') or 'no reason given'}")
    return " · ".join(words)
