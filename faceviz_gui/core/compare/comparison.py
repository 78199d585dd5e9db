"""Did two networks learn the same thing? Measured on a shared probe set, not eyeballed.

``compare_runs`` feeds the same images to both runs and reports linear CKA between every
conv/dense layer of A and every one of B, one-to-one unit matching for each layer of A and
its most similar layer of B, how often the two decide the same, and a verdict in words.
Maps are not unique (another seed draws another image), so this compares what the units do.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from faceviz_gui.core.compare.similarity import UnitMatch, centered_gram, cka_from_grams, match_units, unit_features
from faceviz_gui.core.data.faceset import FaceSet, normalize
from faceviz_gui.core.errors import DataError, RunError
from faceviz_gui.core.tasks import NullReporter, Reporter

# Verdict thresholds. Kornblith et al. (2019) find the same architecture trained from two
# seeds reaches linear CKA around 0.9 and above in corresponding late layers, so at 0.9 two
# decision layers are as alike as retraining makes them; below 0.7 they order the images
# differently. Agreement: two nets that are each ~95% right must agree on >= 90% of images;
# under 75% at least one decides on other evidence.
SAME_CKA, SIMILAR_CKA = 0.9, 0.7
SAME_AGREEMENT, SIMILAR_AGREEMENT = 0.9, 0.75
# Activations of the whole probe are held at once (CKA needs every image pair); past this
# many floats per run the probe is thinned evenly, and the result says so.
FLOAT_BUDGET = 48_000_000
MIN_PROBE = 4


@dataclass
class Comparison:
    run_a: str
    run_b: str
    experiment_a: str
    experiment_b: str
    layers_a: list[str]
    layers_b: list[str]
    cka: np.ndarray                          # (len(layers_a), len(layers_b)); NaN: not computed
    decision_a: str
    decision_b: str
    agreement: float | None                  # None: not defined (different tasks)
    agreement_note: str
    accuracy_a: float | None
    accuracy_b: float | None
    n_probe: int
    probe_source: str
    matches: dict[tuple[str, str], UnitMatch] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    verdict: str = ""
    stopped: bool = False
    # Unit activations per layer (similarity.unit_features): match_units for any pair.
    features_a: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    features_b: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def decision_cka(self) -> float:
        return float(self.cka[self.layers_a.index(self.decision_a),
                              self.layers_b.index(self.decision_b)])

    def best_partner(self, layer_a: str, like_for_like: bool = True) -> tuple[str, float]:
        """The layer of B most like ``layer_a`` of A, and their CKA.

        ``like_for_like``: conv layers pair with conv layers, hidden dense with hidden dense,
        the decision layer with the decision layer (unit matching a 64-unit hidden layer to a
        2-unit decision layer says little, however alike the two represent the images).
        """
        row = self.cka[self.layers_a.index(layer_a)]
        cands = list(range(len(self.layers_b)))
        if like_for_like:
            role = lambda name, dec: "decision" if name == dec else name.rsplit("_", 1)[0]
            want = role(layer_a, self.decision_a)
            same = [j for j in cands if role(self.layers_b[j], self.decision_b) == want]
            if not same and want == "dense":     # no hidden dense in B (ex1-5)
                same = [self.layers_b.index(self.decision_b)]
            cands = same or cands
        vals = row[cands]
        if np.all(np.isnan(vals)):
            return "", float("nan")
        j = cands[int(np.nanargmax(vals))]
        return self.layers_b[j], float(row[j])

    def conv_cka(self) -> tuple[str, str, float] | None:
        """A's last conv layer, its best conv partner in B and their CKA (None without convs)."""
        convs = [l for l in self.layers_a if l.startswith("conv2d")]
        if not convs or not any(l.startswith("conv2d") for l in self.layers_b):
            return None
        lb, c = self.best_partner(convs[-1])
        return convs[-1], lb, c

    def match_units(self, layer_a: str, layer_b: str) -> UnitMatch:
        key = (layer_a, layer_b)
        if key not in self.matches:
            self.matches[key] = match_units(self.features_a[layer_a], self.features_b[layer_b],
                                            layer_a, layer_b)
        return self.matches[key]

    def to_json(self) -> dict[str, Any]:
        cka = [[_num(v) for v in row] for row in self.cka]
        return {"run_a": self.run_a, "run_b": self.run_b, "experiment_a": self.experiment_a,
                "experiment_b": self.experiment_b, "layers_a": self.layers_a,
                "layers_b": self.layers_b, "cka": cka, "decision_a": self.decision_a,
                "decision_b": self.decision_b,
                "decision_cka": None if self.stopped else _num(self.decision_cka),
                "agreement": None if self.agreement is None else round(self.agreement, 4),
                "agreement_note": self.agreement_note, "accuracy_a": self.accuracy_a,
                "accuracy_b": self.accuracy_b, "n_probe": self.n_probe,
                "probe_source": self.probe_source, "notes": self.notes,
                "verdict": self.verdict, "stopped": self.stopped,
                "unit_matches": [m.to_json() for m in self.matches.values()]}


def compare_runs(run_a, run_b, probe: FaceSet | None = None,
                 reporter: Reporter | None = None) -> Comparison:
    """Compare two runs on ``probe`` (default: run A's own test split)."""
    reporter = reporter or NullReporter()
    model_a, model_b = run_a.load_model("cpu"), run_b.load_model("cpu")  # no weights: fail now
    if probe is None:
        from faceviz_gui.core.training.evaluation import run_test_set
        probe = run_test_set(run_a)
    if len(probe) < MIN_PROBE:
        raise RunError(f"comparing needs at least {MIN_PROBE} probe images; got {len(probe)}")
    notes: list[str] = []
    probe = _thin(probe, max(_floats_per_image(model_a), _floats_per_image(model_b)), notes)
    images_a = _fit_to(probe, model_a, "A", run_a, notes)
    images_b = _fit_to(probe, model_b, "B", run_b, notes)
    layers_a, layers_b = _layers(model_a), _layers(model_b)
    cmp = Comparison(run_a.id, run_b.id, run_a.spec.name, run_b.spec.name, layers_a, layers_b,
                     np.full((len(layers_a), len(layers_b)), np.nan), model_a.decision_layer,
                     model_b.decision_layer, None, "", None, None, len(probe),
                     probe.source or "probe", notes=notes)
    total = len(layers_a) + len(layers_b) + len(layers_a) + 1
    step = [0]

    def tick(message: str) -> bool:
        step[0] += 1
        reporter.report(kind="progress", done=step[0], total=total, message=message)
        return reporter.should_stop()

    grams_a, out_a = _grams(model_a, images_a, layers_a, cmp.features_a, tick, "A")
    if grams_a is None:
        return _stopped(cmp)
    grams_b, out_b = _grams(model_b, images_b, layers_b, cmp.features_b, tick, "B")
    if grams_b is None:
        return _stopped(cmp)
    for i, la in enumerate(layers_a):
        for j, lb in enumerate(layers_b):
            cmp.cka[i, j] = cka_from_grams(grams_a[la], grams_b[lb])
        if tick(f"CKA {la}"):
            return _stopped(cmp)
    for la in layers_a:
        cmp.match_units(la, cmp.best_partner(la)[0] or layers_b[0])
    cmp.match_units(cmp.decision_a, cmp.decision_b)
    _decisions(cmp, run_a.spec.task, run_b.spec.task, out_a, out_b, probe)
    cmp.verdict = verdict(cmp)
    tick("done")
    return cmp


def verdict(cmp: Comparison) -> str:
    """The blog's question answered in one sentence, with the numbers behind it."""
    conv = cmp.conv_cka()
    tail = "" if conv is None else f" (last conv layers: CKA {conv[2]:.2f})"
    return _verdict(cmp) + tail


def _verdict(cmp: Comparison) -> str:
    c = cmp.decision_cka
    if c != c:  # NaN: a decision layer whose outputs never vary over the probe
        return "the decision layers cannot be compared: one network gives the same outputs " \
               "for every probe image"
    head = f"decision layers match at CKA {c:.2f}"
    if cmp.agreement is None:
        if c >= SAME_CKA:
            return f"{head} (agreement not defined: {cmp.agreement_note}): these networks " \
                   "order the images about the same way at their decisions"
        word = "similar, with differences" if c >= SIMILAR_CKA else "different"
        return f"{head} (agreement not defined: {cmp.agreement_note}): their decisions rest " \
               f"on {word} representations"
    a = cmp.agreement
    head = f"{head}, {a:.0%} agreement"
    if c >= SAME_CKA and a >= SAME_AGREEMENT:
        return f"{head}: these networks learned about the same thing"
    if c >= SIMILAR_CKA and a >= SIMILAR_AGREEMENT:
        return f"{head}: these networks learned similar things, with differences"
    return f"{head}: these networks learned different things"


# ---------------------------------------------------------------------------- internals


def _layers(model) -> list[str]:
    return [l.name for l in model.layers if l.kind in ("conv2d", "dense")]


def _floats_per_image(model) -> int:
    return sum(int(np.prod(i.output_shape)) for i in model.layer_info()
               if i.kind in ("conv2d", "dense"))


def _thin(probe: FaceSet, floats: int, notes: list[str]) -> FaceSet:
    limit = max(MIN_PROBE, FLOAT_BUDGET // max(1, floats))
    if len(probe) <= limit:
        return probe
    index = np.linspace(0, len(probe) - 1, limit).round().astype(np.int64)
    notes.append(f"probe thinned evenly from {len(probe)} to {limit} images to bound memory")
    out = probe.subset(index)
    out.source = probe.source
    return out


def _fit_to(probe: FaceSet, model, side: str, run, notes: list[str]) -> np.ndarray:
    """The probe at the model's input size, resized (and said so) when it differs."""
    (h, w), (ph, pw) = model.input_size, probe.size
    if (h, w) == (ph, pw):
        return probe.images
    if abs(w / h - pw / ph) > 0.05:
        raise RunError(f"run {run.id} takes {w}x{h} images and the probe is {pw}x{ph}: "
                       "different shapes, so they cannot share a probe set")
    from faceviz_gui.core.data.imageload import resize_area
    notes.append(f"probe resized from {pw}x{ph} to {w}x{h} for run {side} ({run.id})")
    return np.stack([resize_area(im, (h, w)) for im in probe.images])


@torch.no_grad()
def _grams(model, images: np.ndarray, layers: list[str], features: dict, tick, side: str,
           batch: int = 128):
    """Centred Gram matrix per layer, spatially averaged unit features, and the outputs."""
    acts: dict[str, list[torch.Tensor]] = {name: [] for name in layers}
    for start in range(0, len(images), batch):
        x = normalize(torch.from_numpy(np.ascontiguousarray(images[start:start + batch])))
        out = model.activations(x.float().unsqueeze(1), layers)
        for name in layers:
            acts[name].append(out[name])
    grams = {}
    for name in layers:
        a = torch.cat(acts.pop(name))
        grams[name] = centered_gram(a)
        features[name] = unit_features(a)
        del a
        if tick(f"activations {side} {name}"):
            return None, None
    outputs = features[model.decision_layer]  # the decision layer's outputs, (N, classes)
    return grams, outputs


def _num(v) -> float | None:
    """JSON-ready: NaN (not computed, or undefined) becomes null."""
    return None if v != v else round(float(v), 4)


def _stopped(cmp: Comparison) -> Comparison:
    cmp.stopped = True
    cmp.verdict = "stopped before the comparison finished"
    return cmp


# Tasks whose classes map onto another's: a pose net's "left" is the left task's "left".
_TASK_MAPS = {("pose", "left"): {"straight": "not_left", "left": "left", "right": "not_left",
                                 "up": "not_left"}}


def _decisions(cmp: Comparison, task_a: str, task_b: str, out_a, out_b, probe: FaceSet):
    from faceviz_gui.core.training.specs import TASK_CLASSES
    pred_a, pred_b = out_a.argmax(axis=1), out_b.argmax(axis=1)
    cmp.accuracy_a = _accuracy(pred_a, probe, task_a)
    cmp.accuracy_b = _accuracy(pred_b, probe, task_b)
    ca, cb = TASK_CLASSES[task_a], TASK_CLASSES[task_b]
    if ca == cb:
        cmp.agreement = float((pred_a == pred_b).mean())
        cmp.agreement_note = f"same predicted class ({task_a} task) on {len(pred_a)} images"
        return
    for (src, dst), mapping in _TASK_MAPS.items():
        if {task_a, task_b} == {src, dst}:
            to = TASK_CLASSES[dst]
            if task_a == src:
                pred_a = np.array([to.index(mapping[ca[p]]) for p in pred_a])
            else:
                pred_b = np.array([to.index(mapping[cb[p]]) for p in pred_b])
            cmp.agreement = float((pred_a == pred_b).mean())
            cmp.agreement_note = (f"on the {dst} task: the {src} network's {mapping_text(mapping)}"
                                  f", on {len(pred_a)} images")
            return
    cmp.agreement_note = f"A predicts {task_a} ({', '.join(ca)}), B predicts {task_b} " \
                         f"({', '.join(cb)})"


def mapping_text(mapping: dict[str, str]) -> str:
    groups: dict[str, list[str]] = {}
    for k, v in mapping.items():
        groups.setdefault(v, []).append(k)
    return "; ".join(f"{'/'.join(ks)} counted as {v}" for v, ks in groups.items())


def _accuracy(pred: np.ndarray, probe: FaceSet, task: str) -> float | None:
    try:
        labels = probe.labels(task)
    except (DataError, KeyError, ValueError):  # a photo folder may not know the attribute
        return None
    return round(float((pred == labels).mean()), 4)
