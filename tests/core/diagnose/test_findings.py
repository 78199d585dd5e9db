"""Findings computed from known curves: the factor that explains the errors is named first,
with the numbers it rests on; no factor, no cause named."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from faceviz_gui.core.diagnose import findings
from faceviz_gui.core.diagnose.perturb import factor
from faceviz_gui.core.diagnose.sensitivity import Curve


def _curve(name, acc):
    values = list(factor(name).values)
    assert len(acc) == len(values)
    z = np.zeros((4, len(values)))
    return Curve(name, values, list(acc), list(acc), list(acc), z, z.astype(bool))


def _diag(curves, train_curves, gaps, labels=(0, 1, 0, 1), predictions=(0, 0, 0, 0)):
    labels, predictions = np.array(labels), np.array(predictions)
    return SimpleNamespace(
        experiment="experiment0", task="left", classes=["not_left", "left"], n=len(labels),
        folder=SimpleNamespace(labels=labels, faces_found=-1), predictions=predictions,
        correct=predictions == labels, accuracy=float((predictions == labels).mean()),
        curves=curves, train_curves=train_curves, gaps=gaps, attention_summary={},
        breaking=None, embedding=None)


def test_a_brightness_gap_that_breaks_the_network_is_the_likeliest_cause():
    flat = {n: _curve(n, [0.5] * len(factor(n).values)) for n in ("contrast", "blur")}
    curves = {"brightness": _curve("brightness", [0.8, 0.75, 0.65, 0.5, 0.5, 0.5, 0.5]), **flat}
    train = {"brightness": _curve("brightness", [0.9, 0.95, 0.95, 0.95, 0.95, 0.6, 0.4]),
             "contrast": _curve("contrast", [0.95] * 5), "blur": _curve("blur", [0.95] * 4)}
    lines = findings.write(_diag(curves, train, {"brightness": 0.23, "contrast": 1.0, "blur": 0.0}))
    assert lines[0].startswith("experiment0 answers 0.50 of 4 images right")
    cause = [s for s in lines if "likeliest cause" in s]
    assert len(cause) == 1 and cause[0].startswith("Accuracy on the training images falls from 0.95 to 0.54")
    assert "as brightness rises by 0.23" in cause[0] and "0.23 brighter than the training" in cause[0]
    assert cause[0].endswith("brightness is the likeliest cause.")
    assert "undoing that raises these photos' accuracy from 0.50 to 0.77" in cause[0]


def test_no_cause_is_named_when_nothing_moves_accuracy():
    flat = {n: _curve(n, [0.5] * len(factor(n).values)) for n in ("brightness", "shift_x")}
    train = {n: _curve(n, [0.95] * len(factor(n).values)) for n in ("brightness", "shift_x")}
    lines = findings.write(_diag(flat, train, {"brightness": 0.3}))
    assert not any("cause" in s and "likel" in s for s in lines)
    assert any(s.startswith("No single factor explains the errors") for s in lines)
