"""Findings: a few plain sentences computed from a diagnosis's numbers.

Causes are ranked by evidence from two directions: how far the network's accuracy on its own
training images falls when a factor is moved by the gap the folder shows (brightness +0.23:
the photos are that much brighter), and how far the folder's accuracy rises when the gap is
undone. Geometry has no measured gap, so its evidence is the folder's best gain over the
sweep. The factor with the most evidence is named "the likeliest cause".
"""
from __future__ import annotations

import math

import numpy as np

from faceviz_gui.core.diagnose.perturb import factor

MIN_EVIDENCE = 0.1          # accuracy a factor must explain to be named a cause
# |gap| below which the folder and training images do not differ on a factor
_SMALL_GAP = {"brightness": 0.05, "contrast": math.log(1.15), "background": 0.05, "blur": 0.5}
_NAMES = {"shift_x": "horizontal shift", "shift_y": "vertical shift", "scale": "scale",
          "rotation": "rotation", "brightness": "brightness", "contrast": "contrast",
          "blur": "blur", "background": "background brightness", "framing": "crop framing",
          "mirror": "mirroring", "match": "brightness and contrast together"}


def metric(d) -> tuple[str, str]:
    """(Curve attribute, words): balanced accuracy when one class is most of the folder, so
    a network answering the majority class cannot look good."""
    counts = np.bincount(d.folder.labels, minlength=len(d.classes))
    if counts.max() / max(counts.sum(), 1) >= 0.6:
        return "balanced", "balanced accuracy"
    return "accuracy", "accuracy"


def _f(x: float) -> str:
    return f"{x:.2f}"


def _gap_size(name: str, g: float) -> float:
    return abs(math.log(max(g, 1e-6))) if name == "contrast" else abs(g)


def _gap_words(name: str, g: float) -> str:
    if name == "brightness":
        return f"these photos are {_f(abs(g))} {'brighter' if g > 0 else 'darker'} than the training images"
    if name == "contrast":
        return f"these photos have {_f(g)} times the training images' contrast"
    if name == "background":
        return (f"these photos' backgrounds are {_f(abs(g))} "
                f"{'brighter' if g > 0 else 'darker'} than the training images'")
    return f"these photos are blurrier than the training images (as if blurred by sigma {_f(g)})"


def _moved(name: str, g: float) -> str:
    if name == "contrast":
        return f"contrast is multiplied by {_f(g)}"
    if name == "blur":
        return f"the images are blurred by sigma {_f(g)}"
    return f"{_NAMES[name]} {'rises' if g > 0 else 'falls'} by {_f(abs(g))}"


def _measured_causes(d) -> list[tuple[float, str, str]]:
    m, words = metric(d)
    out = []
    for name, g in d.gaps.items():
        if name not in d.curves or name not in d.train_curves or _gap_size(name, g) < _SMALL_GAP[name]:
            continue
        ident = factor(name).identity
        tc, fc = d.train_curves[name], d.curves[name]
        a0, ag = tc.at(ident, m), tc.at(g, m)
        drop = a0 - ag
        undo = {"brightness": -g, "background": -g, "contrast": 1 / max(g, 1e-6)}.get(name)
        b0 = fc.at(ident, m)
        bu = fc.at(undo, m) if undo is not None else b0
        gain = bu - b0
        text = (f"{words} on the training images falls from {_f(a0)} to {_f(ag)} as "
                f"{_moved(name, g)}, and {_gap_words(name, g)}")
        if gain > 0.05:
            text += f"; undoing that raises these photos' {words} from {_f(b0)} to {_f(bu)}"
        out.append((max(drop, gain), name, text))
    c = d.curves.get("match")
    if c is not None:
        b0, b1 = c.at(0.0, m), c.at(1.0, m)
        out.append((b1 - b0, "match", f"matching each photo's brightness and contrast to the "
                    f"training images' changes their {words} from {_f(b0)} to {_f(b1)}"))
    return out


def _geometry_causes(d) -> list[tuple[float, str, str]]:
    m, words = metric(d)
    out = []
    for name in ("shift_x", "shift_y", "scale", "rotation", "framing", "mirror"):
        if name not in d.curves:
            continue
        c, ident = d.curves[name], factor(name).identity
        b0 = c.at(ident, m)
        j = int(np.argmax(getattr(c, m)))
        best, v = getattr(c, m)[j], c.values[j]
        if best - b0 < MIN_EVIDENCE or v == ident:
            continue
        if name == "mirror":
            text = (f"mirrored (labels swapped), these photos score {_f(best)} instead of "
                    f"{_f(b0)}, so the network may read their left and right the wrong way round")
        else:
            text = (f"setting {_NAMES[name]} to {v:g} raises these photos' {words} from "
                    f"{_f(b0)} to {_f(best)}, so their faces sit or are framed unlike CMU faces")
        out.append((best - b0, name, text))
    return out


def _fragility(d) -> list[str]:
    """Factors that break the network on its own training images within a small change."""
    small = {"shift_x": 0.1, "shift_y": 0.1, "scale": 0.1, "rotation": 10, "framing": 0.15,
             "brightness": 0.1, "contrast": 0.25, "background": 0.1, "blur": 1.0}
    m, words = metric(d)
    out = []
    for name, limit in small.items():
        c = d.train_curves.get(name)
        if c is None:
            continue
        ident = factor(name).identity
        a0 = c.at(ident, m)
        worst = min((a, v) for a, v in zip(getattr(c, m), c.values) if abs(v - ident) <= limit + 1e-9)
        if a0 - worst[0] >= 0.2:
            out.append(f"The network is fragile to {_NAMES[name]}: on its own training images "
                       f"{words} falls from {_f(a0)} to {_f(worst[0])} at {worst[1]:g}.")
    return out


def write(d) -> list[str]:
    """The findings of diagnosis ``d`` (job.Diagnosis), most important first."""
    counts = np.bincount(d.folder.labels, minlength=len(d.classes))
    majority = int(counts.argmax())
    pred = np.bincount(d.predictions, minlength=len(d.classes))
    lines = [f"{d.experiment} answers {_f(d.accuracy)} of {d.n} images right (task "
             f"{d.task}); always answering '{d.classes[majority]}' would score "
             f"{_f(counts[majority] / d.n)}."]
    top = int(pred.argmax())
    m, words = metric(d)
    if m == "balanced":
        base = np.mean([d.correct[d.folder.labels == c].mean() for c in np.unique(d.folder.labels)])
        lines.append(f"Its balanced accuracy (the mean of each class's recall; 0.50 is chance "
                     f"for two classes) is {_f(base)}: the findings below use it.")
    if pred[top] / d.n >= 0.6 and pred[top] / d.n > counts[top] / d.n + 0.2:
        lines.append(f"It answers '{d.classes[top]}' for {pred[top] / d.n:.0%} of them, though "
                     f"only {counts[top] / d.n:.0%} are '{d.classes[top]}'.")
    if d.folder.faces_found >= 0:
        lines.append(f"Faces were found in {d.folder.faces_found} of {d.n} photos; the rest "
                     f"were centre-cropped.")
    causes = sorted(_measured_causes(d) + _geometry_causes(d), reverse=True)
    named = [c for c in causes if c[0] >= MIN_EVIDENCE]
    for k, (_, name, text) in enumerate(named[:3]):
        verdict = "the likeliest cause" if k == 0 else "a likely cause too"
        lines.append(f"{text[0].upper()}{text[1:]}: {_NAMES[name]} is {verdict}.")
    if not named:
        lines.append("No single factor explains the errors: moving any factor towards the "
                     f"training images changes {words} by less than {MIN_EVIDENCE:.1f}.")
    lines += _fragility(d)[:3]
    a = d.attention_summary
    if a:
        train_face = a.get("training", {}).get("face")
        text = f"{a['inside_face']:.0%} of the attention falls inside the face box"
        if train_face is not None:
            text += f" on these photos against {train_face:.0%} on the training images"
        text += f"; {a.get('background', 0):.0%} on the background, {a.get('hair', 0):.0%} on hair"
        if a.get("right") and a.get("wrong"):
            text += (f"; right answers {a['right']['face']:.0%} inside the face, wrong ones "
                     f"{a['wrong']['face']:.0%}")
        lines.append(text + ".")
    b = d.breaking
    if b is not None:
        text = (f"The new faces stop looking like CMU faces at {b.layer}: their activations "
                f"there sit {b.shift:.2f} training spreads from the training images', "
                f"{b.ratio:.1f} times as far as unseen CMU test images")
        if b.only_train:
            text += f"; {len(b.only_train)} of its units fire on CMU faces and never on these photos"
        lines.append(text + ".")
    e = d.embedding
    if e is not None:
        lines.append(f"In {e.layer}, {e.own_cluster:.0%} of these photos lie nearest their own "
                     f"class's training centre ({e.own_cluster_train:.0%} of the training "
                     f"images do).")
    return lines
