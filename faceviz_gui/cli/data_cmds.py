"""`faceviz data fetch|import|synth|check`: getting face data and seeing what is in it."""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from faceviz_gui.cli import bounded_int
from faceviz_gui.core.errors import DataError, FaceVizError, shown


def register(subparsers: argparse._SubParsersAction) -> None:
    data = subparsers.add_parser("data", help="get face data and check a data folder")
    sub = data.add_subparsers(dest="data_command", metavar="ACTION")
    data.set_defaults(func=lambda args: (data.print_help(), 1)[1])

    p = sub.add_parser("fetch", help="download the UCI 'CMU Face Images' archive and import it")
    p.add_argument("--url", help="archive URL (default: the UCI archive)")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("import", help="import CMU faces from a local archive or folder")
    p.add_argument("path", metavar="PATH", help=".zip, .tar, .tar.gz, .tgz or a folder")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("synth", help="write synthetic faces in the CMU file format")
    p.add_argument("out", metavar="OUT", help="folder to write into")
    p.add_argument("--people", type=bounded_int(1, 1000), default=20,
                   help="how many people (default 20)")
    p.add_argument("--seed", type=bounded_int(0, 2**31 - 1), default=0)
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("check", help="count images per person, pose and scale; list bad files")
    p.add_argument("dir", metavar="DIR", nargs="?",
                   help="data folder (default: FACEVIZ_DATA, the imported copy, or synthetic)")
    p.set_defaults(func=cmd_check)


class _Bar:
    """A reporter drawing a tqdm bar; bytes for downloads, files for imports."""

    def __init__(self) -> None:
        self.bar = None
        self.kind = None

    def report(self, **v) -> None:
        from tqdm import tqdm
        kind = v.get("kind")
        if kind != self.kind:
            self.close()
            self.kind = kind
            unit = dict(unit="B", unit_scale=True, unit_divisor=1024) if kind == "download" \
                else dict(unit=" files")
            desc = {"download": "downloading", "progress": "importing"}.get(kind, kind)
            self.bar = tqdm(total=v.get("total"), desc=desc, leave=True, **unit)
        if v.get("total") is not None:
            self.bar.total = v["total"]
        if v.get("done") is not None:
            self.bar.n = v["done"]
            self.bar.refresh()

    def should_stop(self) -> bool:
        return False

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _print_import(result) -> None:
    print(f"imported {result.files} files of {len(result.people)} people into "
          f"{shown(result.folder)}")
    for s in result.skipped:
        print(f"  skipped {shown(s)}")


def cmd_fetch(args) -> int:
    from faceviz_gui.core.data.fetch import UCI_URL, fetch
    bar = _Bar()
    try:
        result = fetch(args.url or UCI_URL, reporter=bar)
    finally:
        bar.close()
    if result is None:
        raise FaceVizError("download stopped")
    _print_import(result)
    return 0


def cmd_import(args) -> int:
    from faceviz_gui.core.data.fetch import import_archive
    bar = _Bar()
    try:
        result = import_archive(args.path, reporter=bar)
    finally:
        bar.close()
    _print_import(result)
    return 0


def cmd_synth(args) -> int:
    from faceviz_gui.core.data.synth import write_synthetic
    if args.people < 1:
        raise FaceVizError("--people must be at least 1")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise FaceVizError(f"{shown(out)} exists and is not a folder")
    root = write_synthetic(out, n_people=args.people, seed=args.seed)
    print(f"wrote {args.people * 96} files of {args.people} synthetic people to {root}")
    return 0


def cmd_check(args) -> int:
    from faceviz_gui.core.data import sources as data
    source = data.resolve_source(args.dir)
    folder = data.ensure_synthetic() if source == data.SYNTHETIC else Path(source)
    if not folder.is_dir():
        raise DataError(f"data folder not found: {folder}")
    if data.has_cmu_files(folder):
        print(f"{folder}: CMU format")
        sets = {}
        for scale in (1, 2, 4):
            try:
                sets[scale] = data.load_cmu(folder, scale)
            except DataError as exc:
                print(f"  scale {scale}: {exc}")
        if not sets:
            raise DataError(f"nothing usable in {folder} at any scale")
        bad = sum(1 for _ in folder.rglob("*.bad"))
        if bad:
            print(f"  {bad} .bad files (camera glitches) ignored")
    else:
        print(f"{folder}: photo folder (labelled by subfolder name)")
        sets = {2: data.load_photo_folder(folder, (60, 64))}
    _print_counts(sets)
    skipped = {s.path: s.reason for faces in sets.values() for s in faces.skipped}
    if skipped:
        print(f"skipped {len(skipped)} file(s):")
        for path, reason in sorted(skipped.items()):
            print(f"  {shown(path)}: {shown(reason)}")
    else:
        print("no unusable files")
    return 0


def _print_counts(sets: dict) -> None:
    from faceviz_gui.core.data.sources import POSES as poses
    from faceviz_gui.core.training.specs import SCALE_SIZES
    main = sets.get(2) or next(iter(sets.values()))
    by_pose = Counter((r.person, r.pose) for r in main.records)
    by_scale = {s: Counter(r.person for r in f.records) for s, f in sets.items()}
    scale_cols = [f"{SCALE_SIZES[s][1]}x{SCALE_SIZES[s][0]}" for s in sets]
    width = max([len(p) for p in main.people] + [6])
    print(f"{len(main.people)} people; poses at the {'x'.join(map(str, main.size[::-1]))} size")
    print(f"  {'person':<{width}}" + "".join(f"{p:>9}" for p in poses)
          + "".join(f"{c:>9}" for c in scale_cols))
    people = sorted(set().union(*(f.people for f in sets.values())))
    for person in people:
        print(f"  {person:<{width}}" + "".join(f"{by_pose[person, p]:>9}" for p in poses)
              + "".join(f"{by_scale[s][person]:>9}" for s in sets))
    print(f"  {'total':<{width}}" + "".join(
        f"{sum(by_pose[q, p] for q in people):>9}" for p in poses)
        + "".join(f"{len(f):>9}" for f in sets.values()))
