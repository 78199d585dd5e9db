"""VerdictCard: a comparison's answer in words, large, with the numbers behind it."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget


def _metric(caption: str) -> tuple[QWidget, QLabel, QLabel]:
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 18, 0)
    lay.setSpacing(0)
    value = QLabel("–")
    value.setStyleSheet("font-size: 20pt; font-weight: 600; color: #1d4fb8;")
    cap = QLabel(caption)
    cap.setStyleSheet("color: #5b6472;")
    cap.setWordWrap(True)
    lay.addWidget(value)
    lay.addWidget(cap)
    return box, value, cap


class VerdictCard(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict.setStyleSheet("font-size: 15pt; font-weight: 600; color: #1f2937;"
                                   "background: #ffffff; border: 1px solid #dde1e6; "
                                   "border-radius: 8px; padding: 12px 14px;")
        metrics = QHBoxLayout()
        metrics.setContentsMargins(0, 0, 0, 0)
        m1, self.cka_value, _ = _metric("decision-layer CKA")
        m2, self.agreement_value, _ = _metric("decision agreement")
        m3, self.acc_value, self.acc_caption = _metric("test accuracy A / B")
        for m in (m1, m2, m3):
            metrics.addWidget(m)
        metrics.addStretch(1)
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #5b6472;")
        lay.addWidget(self.verdict)
        lay.addLayout(metrics)
        lay.addWidget(self.notes)

    def show_comparison(self, cmp, split_a: str = "", split_b: str = "") -> None:
        """``split_a``/``split_b``: how each run's data was split ("split by image", ...)."""
        v = cmp.verdict.strip()
        self.verdict.setText(v[:1].upper() + v[1:] + ("" if v.endswith(".") else "."))
        self.cka_value.setText(f"{cmp.decision_cka:.2f}")
        self.cka_value.setToolTip(f"Linear CKA between {cmp.decision_a} (A) and {cmp.decision_b} (B)")
        self.agreement_value.setText("n/a" if cmp.agreement is None else f"{cmp.agreement:.0%}")
        self.agreement_value.setToolTip(cmp.agreement_note)
        acc = [("–" if v is None else f"{v:.0%}") for v in (cmp.accuracy_a, cmp.accuracy_b)]
        self.acc_value.setText(" / ".join(acc))
        splits = split_a if split_a == split_b else f"A {split_a}, B {split_b}"
        self.acc_caption.setText(f"test accuracy A / B ({splits})" if split_a else
                                 "test accuracy A / B")
        self.notes.setText(f"Probe: {cmp.n_probe} images ({cmp.probe_source}). "
                           f"Agreement: {cmp.agreement_note}."
                           + "".join(f" {n[:1].upper() + n[1:]}." for n in cmp.notes))
