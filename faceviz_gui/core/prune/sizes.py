"""How big a run is, without building it: parameters from the spec, bytes on disk, and the
deployment figures its last export measured (kept in status.json under ``deployment``).

Cheap enough for the UI thread: no torch, only arithmetic on the spec and a stat() call.
"""
from __future__ import annotations

from typing import Any

from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.training.specs import ExperimentSpec


def spec_params(spec: ExperimentSpec) -> int:
    """Parameters of the network ``spec`` describes (decision layer included)."""
    c, (h, w) = 1, spec.input_size
    total = 0
    for ls in spec.layers:
        if ls.type == "conv2d":
            total += ls.filters * (c * ls.kernel * ls.kernel + 1)
            if ls.padding == "valid":
                h, w = h - ls.kernel + 1, w - ls.kernel + 1
            c = ls.filters
        elif ls.type == "max_pooling2d":
            h, w = h // ls.pool, w // ls.pool
        elif ls.type == "flatten":
            c, h, w = c * h * w, 1, 1
        elif ls.type == "dense":
            total += ls.units * (c * h * w + 1)
            c, h, w = ls.units, 1, 1
    return total + len(spec.unit_classes) * (c * h * w + 1)


def run_sizes(run) -> dict[str, Any]:
    """params, weights_bytes, and the last export's figures (format, bytes, latency_ms,
    max_abs_diff, runtime) if the run was ever exported; parent's params for pruned runs."""
    try:
        out: dict[str, Any] = {"params": spec_params(run.spec)}
    except FaceVizError:          # a damaged spec.toml: the panel says so elsewhere
        out = {"params": None}
    try:
        out["weights_bytes"] = run.weights_path.stat().st_size
    except OSError:
        out["weights_bytes"] = None
    out["deployment"] = run.status.get("deployment") or {}
    pruning = run.status.get("pruning") or {}
    if pruning.get("params_before"):
        out["parent_params"] = pruning["params_before"]
    return out


def size_texts(run) -> dict[str, str]:
    """The run details panel's lines: Parameters, Files, Latency, Pruned from."""
    s = run_sizes(run)
    params = "?" if s["params"] is None else f"{s['params']:,}"
    if s.get("parent_params") and s["params"]:
        params += f" ({s['params'] / s['parent_params']:.0%} of its parent's {s['parent_params']:,})"
    dep = s["deployment"]
    files = f"weights {_kb(s['weights_bytes'])}"
    if dep.get("bytes"):
        files += f"; {dep.get('format', 'model')} {_kb(dep['bytes'])}"
    latency = (f"{dep['latency_ms']:.3f} ms per image ({dep.get('latency_runtime', '')})"
               if dep.get("latency_ms") else "not measured yet (Export model… times it)")
    st = run.status
    lineage = "–"
    if st.get("parent"):
        p = st.get("pruning") or {}
        lineage = f"{st['parent']} by {p.get('method', '?')}"
        verdict = (st.get("comparison") or {}).get("verdict")
        if verdict:
            lineage += f"; {verdict}"
    return {"Parameters": params, "Files": files, "Latency": latency, "Pruned from": lineage}


def _kb(n) -> str:
    return "–" if not isinstance(n, int) else (f"{n / 1024:,.0f} KB" if n < 1 << 20
                                              else f"{n / (1 << 20):,.1f} MB")
