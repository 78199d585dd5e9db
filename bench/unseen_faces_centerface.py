"""How much of the unseen-people accuracy gap is the face finder? Haar vs CenterFace crops.

    python bench/unseen_faces_centerface.py RUN [RUN ...] [--sets webcam,cmu_crop]

Every run (id or folder) is scored on the sets of bench/unseen_sets.py twice: faces found by
the product's Haar FaceDetector (faces_folder.crop_folder, exactly as bench/unseen_faces.py
does) and by the product's CenterFace finder (core/live/centerface.py: its input size, score
0.5, CMU framing from its box and landmarks fitted on non-held-out CMU people). Only
the detector differs: CenterFace is swapped in for faces_folder.FaceDetector, so decoding,
grey conversion, crop_to_cmu at the run's input size, the centred fallback for a missed face
and evaluation.evaluate are the live pipeline's own.

Columns: found = share of photos with a face; framed = share cropped within 0.15 face widths
and 1.2x of the true CMU region (webcam only, it knows where the shot landed); acc = accuracy
on all photos (misses centre-cropped, as unseen_faces.py); acc_found = on the photos this
detector found; acc_both = on the photos both detectors found (framing alone differs there).
Last line: key=value per run and set.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from facefinding_centerface import score_rect  # noqa: E402
from unseen_sets import HELD_OUT, cmu_full_set, webcam_set  # noqa: E402

from faceviz_gui.core.cpu import cpu_name  # noqa: E402
from faceviz_gui.core.live import centerface, faces_folder  # noqa: E402
from faceviz_gui.core.live.faces import FaceDetector, cmu_rect  # noqa: E402
from faceviz_gui.core.training.evaluation import evaluate  # noqa: E402
from faceviz_gui.core.training.runs import find_run  # noqa: E402


def crop_with(folder: Path, size, finder) -> faces_folder.CroppedFolder:
    """faces_folder.crop_folder with ``finder`` as its face finder, whatever
    FACEVIZ_FACE_FINDER says."""
    made = faces_folder.new_detector   # where crop_folder gets its finder
    faces_folder.new_detector = lambda: finder
    try:
        return faces_folder.crop_folder(folder, size)
    finally:
        faces_folder.new_detector = made


def framed(cropped, root: Path, rects: dict | None) -> float:
    if rects is None:
        return float("nan")
    ok = []
    for rec, box in zip(cropped.faceset.records, cropped.boxes):
        if box is None:
            ok.append(False)
            continue
        off, size = score_rect(cmu_rect(box), rects[str(Path(rec.path).relative_to(root))])
        ok.append(off <= 0.15 and size <= np.log2(1.2))
    return float(np.mean(ok))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", help="run ids or run folders")
    ap.add_argument("--sets", default="webcam,cmu_crop")
    ap.add_argument("--scratch", default="/tmp/faceviz_bench/sets")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    scratch = Path(args.scratch)
    folders = {"webcam": webcam_set(scratch), "cmu_crop": cmu_full_set(scratch)}
    rects = {"webcam": json.loads((folders["webcam"] / "rects.json").read_text())}
    centerface.model_path()  # one line naming the install where the model is missing
    finders = {"haar": FaceDetector(), "centerface": centerface.CenterFaceDetector()}
    W, H = centerface.INPUT
    print(f"CPU: {cpu_name()}; held-out people: {', '.join(HELD_OUT)}; CenterFace {W}x{H} score "
          f">= {centerface.THRESHOLD}, CMU framing from its box and landmarks (centerface.cmu_region)")
    cache: dict = {}
    print(f"{'run':<34} {'set':<8} {'detector':<10} {'found':>9} {'framed':>6} {'acc':>6} "
          f"{'acc_found':>9} {'acc_both':>8}")
    keys = []
    for ref in args.runs:
        run = find_run(ref)
        model, spec = run.load_model("cpu"), run.spec
        trained_on = {Path(p).name.split("_")[0] for p in run.split.get("train", [])}
        if trained_on & set(HELD_OUT):
            print(f"# warning: {run.id} trained on {sorted(trained_on & set(HELD_OUT))}")
        for set_name in args.sets.split(","):
            root = folders[set_name]
            res = {}
            for det, finder in finders.items():
                key = (set_name, det, tuple(spec.input_size))
                if key not in cache:
                    cache[key] = crop_with(root, spec.input_size, finder)
                cropped = cache[key]
                ev = evaluate(model, cropped.faceset, spec.task)
                hit = np.array(ev["predictions"]) == np.array(ev["labels"])
                res[det] = (cropped, ev, hit, np.array([b is not None for b in cropped.boxes]))
            both = np.logical_and.reduce([r[3] for r in res.values()])
            for det, (cropped, ev, hit, found) in res.items():
                fr = framed(cropped, root, rects.get(set_name))
                acc_found = float(hit[found].mean()) if found.any() else float("nan")
                acc_both = float(hit[both].mean()) if both.any() else float("nan")
                print(f"{spec.name + ' ' + run.id[-12:]:<34} {set_name:<8} {det:<10} "
                      f"{int(found.sum()):4d}/{len(found):<4d} {fr:6.2f} {ev['accuracy']:6.3f} "
                      f"{acc_found:9.3f} {acc_both:8.3f}")
                k = f"{spec.name}_{set_name}_{det}"
                keys.append(f"{k}_found={found.mean():.3f} {k}_acc={ev['accuracy']:.3f} "
                            f"{k}_acc_both={acc_both:.3f}")
    print(" ".join(keys))


if __name__ == "__main__":
    main()
