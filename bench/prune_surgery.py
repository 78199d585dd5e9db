"""FaceViz's own pruning surgery against Torch-Pruning's dependency graph, on the same units.

Both remove the same filters and units from experiment0 (conv2d_2, conv2d_3 and dense_1, so
the flatten-to-dense indices must be carried through); the outputs must agree exactly and the
parameter counts match. Prints the time each takes and a final key=value line. Torch-Pruning
is installed once into its own folder (pip --target, --no-deps: it must not pull a torch),
never into the project's environment.

    python bench/prune_surgery.py [--tp-path DIR]
"""
from __future__ import annotations

import argparse
import copy
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

REMOVED = {"conv2d_2": [1, 10, 30], "conv2d_3": [0, 9, 10, 26, 31, 35, 41, 52, 57, 59],
           "dense_1": list(range(0, 46, 2))}


def torch_pruning(path: Path):
    if not (path / "torch_pruning").is_dir():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        "--target", str(path), "torch-pruning"], check=True)
    sys.path.insert(0, str(path))
    import torch_pruning as tp
    return tp


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tp-path", type=Path, default=Path.home() / ".cache" / "faceviz-bench-tp")
    ap.add_argument("--repeats", type=int, default=9)
    args = ap.parse_args()
    torch.set_num_threads(1)
    from faceviz_gui.core.prune.surgery import linear_part, shrink
    from faceviz_gui.core.training.nets import build_model
    from faceviz_gui.core.training.specs import find_spec
    tp = torch_pruning(args.tp_path)
    spec = find_spec("experiment0")
    model = build_model(spec, seed=0).eval()
    example = torch.zeros(1, 1, *spec.input_size)
    own_t, tp_t = [], []
    for _ in range(args.repeats):
        t = time.perf_counter()
        _, small = shrink(model, spec, REMOVED)
        own_t.append(time.perf_counter() - t)
        other = copy.deepcopy(model)
        t = time.perf_counter()
        graph = tp.DependencyGraph().build_dependency(other, example_inputs=example)
        for name, idx in REMOVED.items():
            layer = linear_part(other.layer(name))
            fn = tp.prune_conv_out_channels if name.startswith("conv") else tp.prune_linear_out_channels
            graph.get_pruning_group(layer, fn, idxs=idx).prune()
        tp_t.append(time.perf_counter() - t)
    x = torch.randn(16, 1, *spec.input_size)
    with torch.no_grad():
        diff = float((small(x) - other(x)).abs().max())
    own_ms, tp_ms = 1000 * statistics.median(own_t), 1000 * statistics.median(tp_t)
    params = (small.param_count(), sum(p.numel() for p in other.parameters()))
    print(f"torch-pruning {tp.__version__}, torch {torch.__version__}, one thread")
    print("| surgery | ms (median) | parameters after |")
    print("|---|---:|---:|")
    print(f"| FaceViz (core/prune/surgery.py) | {own_ms:.1f} | {params[0]:,} |")
    print(f"| Torch-Pruning DependencyGraph | {tp_ms:.1f} | {params[1]:,} |")
    print(f"max |own - torch-pruning| on 16 random inputs: {diff:.2e}")
    print(f"own_ms={own_ms:.2f} tp_ms={tp_ms:.2f} ratio={tp_ms / own_ms:.1f} "
          f"same_params={params[0] == params[1]} max_abs_diff={diff:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
