"""Accuracy on people the networks never saw: CMU framing, webcam-like frames, studio photos.

    python bench/unseen_faces.py --train models/ex2-pose.toml [SPEC ...] [--epochs N]
    python bench/unseen_faces.py --train ex2-pose --seeds 0 1 2 --set train.learning_rate=0.002
    python bench/unseen_faces.py --run RUN [RUN ...]
    python bench/unseen_faces.py          # trains and scores ex2-left and ex2-pose

Each spec is trained on the CMU faces of 13 people; the four of unseen_sets.HELD_OUT are left
out (split kind "people", forced here when a spec says otherwise, and said so). Then every
run is scored on the sets of unseen_sets.py: ``cmu`` (their CMU shots as they are),
``cmu_crop``, ``webcam`` and ``studio`` (faces found and cropped by the live pipeline's
finder, faces_folder.crop_folder, as `faceviz eval --crop-faces` does). ``found`` is the
share of those photos where a face was found (else the centred crop is scored).
Timings name the CPU; training is one torch thread. ``--seeds`` trains one copy of each spec
per seed and prints the mean of each set over them; ``--set SECTION.FIELD=VALUE`` changes a
field of every spec first (README Part 5's ablation rows are such runs).
Last line: run=<id> task=<task> cmu=<acc> cmu_crop=<acc> webcam=<acc> studio=<acc> train_s=<s>
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from unseen_sets import CMU_DIR, HELD_OUT, STUDIO_DIR, cmu_full_set, webcam_set  # noqa: E402

from faceviz_gui.core.cpu import cpu_name  # noqa: E402
from faceviz_gui.core.data.cmu import load_cmu  # noqa: E402
from faceviz_gui.core.live.faces_folder import crop_folder  # noqa: E402
from faceviz_gui.core.training.evaluation import evaluate  # noqa: E402
from faceviz_gui.core.training.fit import fit  # noqa: E402
from faceviz_gui.core.training.runs import find_run  # noqa: E402
from faceviz_gui.core.training.specs import find_spec, validate  # noqa: E402

SETS = ("cmu", "cmu_crop", "webcam", "studio")


def with_settings(spec, settings: list[str]):
    """The spec with each SECTION.FIELD=VALUE applied, typed as the field's current value."""
    for item in settings:
        key, _, value = item.partition("=")
        section, _, name = key.partition(".")
        target = getattr(spec, section)
        current = getattr(target, name)  # an unknown field is an AttributeError naming it
        setattr(target, name, value == "true" if isinstance(current, bool) else type(current)(value))
    validate(spec)
    return spec


def train(spec_name: str, runs: Path, epochs: int | None, seed: int | None = None,
          settings: list[str] = ()):
    spec = with_settings(find_spec(spec_name), list(settings))
    if seed is not None:
        spec.train.seed = seed
    if epochs:
        spec.train.epochs = epochs
    if spec.split.kind != "people" or sorted(spec.split.people) != sorted(HELD_OUT):
        print(f"# {spec.name}: split forced to people {', '.join(HELD_OUT)}")
        spec.split.kind, spec.split.people, spec.split.n_people = "people", list(HELD_OUT), 0
    data = load_cmu(CMU_DIR, scale=spec.scale)
    t0 = time.perf_counter()
    run = fit(spec, data, runs_root=runs, device="cpu", source=str(CMU_DIR)).run
    return run, time.perf_counter() - t0


class Sets:
    """The test sets, each cropped once per input size and reused for every run."""

    def __init__(self, scratch: Path):
        self.folders = {"cmu_crop": cmu_full_set(scratch), "webcam": webcam_set(scratch),
                        "studio": STUDIO_DIR}
        self._cache: dict = {}

    def get(self, name: str, scale: int, size: tuple[int, int]):
        key = (name, size)
        if key not in self._cache:
            if name == "cmu":
                self._cache[key] = (load_cmu(CMU_DIR, scale=scale, people=list(HELD_OUT)), 1.0)
            else:
                folder = crop_folder(self.folders[name], size)
                self._cache[key] = (folder.faceset, folder.n_found / max(len(folder.faceset), 1))
        return self._cache[key]


def score(run, sets: Sets) -> dict[str, float]:
    spec, model = run.spec, run.load_model("cpu")
    trained_on = {Path(p).name.split("_")[0] for p in run.split.get("train", [])}
    if trained_on & set(HELD_OUT):
        print(f"# warning: {run.id} trained on {sorted(trained_on & set(HELD_OUT))}: "
              "the cmu sets are not unseen for it")
    out = {}
    for name in SETS:
        data, found = sets.get(name, spec.scale, spec.input_size)
        out[name] = evaluate(model, data, spec.task)["accuracy"]
        out[f"{name}_found"] = found
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", nargs="*", default=[], help="specs (names or .toml paths)")
    ap.add_argument("--run", nargs="*", default=[], help="trained runs to score")
    ap.add_argument("--runs", default="/tmp/faceviz_bench/runs", help="where --train writes")
    ap.add_argument("--scratch", default="/tmp/faceviz_bench/sets", help="built test sets")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seeds", type=int, nargs="*", default=None,
                    help="train each spec once per seed (default: the spec's own seed)")
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE",
                    help="change a field of every spec trained, e.g. train.learning_rate=0.002")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    sets = Sets(Path(args.scratch))
    rows = []
    if not args.train and not args.run:
        args.train = ["ex2-left", "ex2-pose"]
    for name in args.train:
        for seed in (args.seeds if args.seeds else [None]):
            run, secs = train(name, Path(args.runs), args.epochs, seed, args.set)
            rows.append((run, secs))
    rows += [(find_run(r, args.runs if Path(args.runs).is_dir() else None), None) for r in args.run]
    print(f"CPU: {cpu_name()}; held-out people: {', '.join(HELD_OUT)}")
    print(f"{'run':<34} {'task':<5} {'train_s':>7} " + " ".join(f"{s:>9}" for s in SETS)
          + "  found(crop/webcam/studio)")
    last = ""
    scores: dict[str, list[dict]] = {}
    for run, secs in rows:
        r = score(run, sets)
        scores.setdefault(run.spec.name, []).append(r)
        t = f"{secs:7.1f}" if secs is not None else "      -"
        print(f"{run.spec.name + ' ' + run.id[-12:]:<34} {run.spec.task:<5} {t} "
              + " ".join(f"{r[s]:9.3f}" for s in SETS)
              + f"  {r['cmu_crop_found']:.2f}/{r['webcam_found']:.2f}/{r['studio_found']:.2f}")
        last = (f"run={run.id} task={run.spec.task} " + " ".join(f"{s}={r[s]:.3f}" for s in SETS)
                + f" train_s={secs or 0:.1f}")
    for name, rs in scores.items():
        if len(rs) > 1:
            print(f"{'mean of ' + str(len(rs)) + ' ' + name:<34} {'':<5} {'':>7} "
                  + " ".join(f"{sum(r[s] for r in rs) / len(rs):9.3f}" for s in SETS))
    print(last)


if __name__ == "__main__":
    main()
