"""Disk cache of rendered HappyMaps in a run's cache folder, keyed by weights hash + settings.

Each entry is ``<key>.npz`` (arrays, no pickle) plus ``<key>.json`` (strings, settings). The
JSON is written last, so an entry without it is unfinished and ignored. A request for some
filters is also served from a cached full layer with the same settings. A damaged entry (a
half-written npz, a JSON missing a key or not JSON at all, arrays that disagree in length) is
a miss and is rewritten; a cache that cannot be written (a read-only run) is skipped with one
warning, and the maps are still returned.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from faceviz_gui.core import atomic, safefiles
from faceviz_gui.core.errors import FaceVizError
from faceviz_gui.core.maps.maptypes import FilterMap, LayerMaps

SUBDIR = "happymaps"
MAX_ENTRY = 1024 ** 3
log = logging.getLogger("faceviz")


def cache_key(weights_hash: str, layer: str, filters: Sequence[int] | None,
              settings: dict[str, Any]) -> str:
    blob = json.dumps({"w": weights_hash, "layer": layer,
                       "filters": None if filters is None else list(filters),
                       "settings": settings}, sort_keys=True)
    return f"{layer}-{hashlib.sha256(blob.encode()).hexdigest()[:16]}"


def save_maps(cache_dir: Path, maps: LayerMaps, filters: Sequence[int],
              settings: dict[str, Any]) -> Path | None:
    """Write the entry; None (and one warning) when the cache folder cannot be written."""
    try:
        return _save(cache_dir, maps, filters, settings)
    except FaceVizError as exc:
        log.warning("HappyMaps cache not written (%s); the maps are fine", exc)
        return None


def _save(cache_dir: Path, maps: LayerMaps, filters: Sequence[int], settings: dict[str, Any]) -> Path:
    folder = Path(cache_dir) / SUBDIR
    key = cache_key(maps.weights_hash, maps.layer, list(filters), settings)
    arrays = {
        "images": np.stack([m.image for m in maps.maps]).astype(np.float32),
        "curves": np.stack([m.loss_curve for m in maps.maps]).astype(np.float32),
        "index": np.array([m.index for m in maps.maps], dtype=np.int64),
        "activation": np.array([m.activation for m in maps.maps], dtype=np.float64),
        "saturation": np.array([m.saturation for m in maps.maps], dtype=np.float64),
        "hf_energy": np.array([m.hf_energy for m in maps.maps], dtype=np.float64),
    }
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    atomic.write_bytes(folder / f"{key}.npz", buf.getvalue())
    meta = {"run_id": maps.run_id, "layer": maps.layer, "kind": maps.kind,
            "settings": maps.settings, "weights_hash": maps.weights_hash,
            "seconds": maps.seconds, "dead_reason": [m.dead_reason for m in maps.maps]}
    return atomic.write_json(folder / f"{key}.json", meta)


def load_maps(cache_dir: Path, weights_hash: str, layer: str, filters: Sequence[int],
              settings: dict[str, Any]) -> LayerMaps | None:
    """The cached maps for exactly these filters, or a slice of the cached full layer."""
    folder = Path(cache_dir) / SUBDIR
    hit = _read(folder, cache_key(weights_hash, layer, list(filters), settings))
    if hit is not None:
        return hit
    # Full layer cached under its own filter list (0..n-1): slice it if it holds them all.
    for meta_path in sorted(folder.glob(f"{layer}-*.json")) if folder.is_dir() else []:
        try:      # the JSON alone says whether the entry fits; only then read its arrays
            meta = safefiles.read_json(meta_path)
        except FaceVizError:
            continue
        if not isinstance(meta, dict) or not isinstance(meta.get("settings"), dict):
            continue
        s = {k: v for k, v in meta["settings"].items() if k not in ("complete", "filters")}
        if meta.get("weights_hash") != weights_hash or s != settings:
            continue
        hit = _read(folder, meta_path.stem)
        if hit is None:
            continue
        by_index = {m.index: m for m in hit.maps}
        if all(f in by_index for f in filters):
            hit.maps = [by_index[f] for f in filters]
            hit.settings = {**hit.settings, "filters": list(filters)}
            return hit
    return None


def _read(folder: Path, key: str) -> LayerMaps | None:
    meta_path, npz_path = folder / f"{key}.json", folder / f"{key}.npz"
    if not meta_path.is_file() or not npz_path.is_file():
        return None
    try:
        meta = safefiles.read_json(meta_path)
        data = safefiles.read_bytes(npz_path, MAX_ENTRY)
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            a = {k: z[k] for k in z.files}
        return _entry(meta, a)
    except (FaceVizError, OSError, ValueError, KeyError, TypeError, IndexError, AttributeError,
            EOFError, zipfile.BadZipFile):
        return None          # a damaged entry is a miss; rendering again overwrites it


def _entry(meta: Any, a: dict[str, np.ndarray]) -> LayerMaps | None:
    """The entry if its JSON and arrays agree with each other, else None."""
    if not isinstance(meta, dict):
        return None
    reasons = meta["dead_reason"]
    n = len(reasons)
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        return None
    if any(len(a[k]) != n for k in ("images", "curves", "index", "activation", "saturation",
                                    "hf_energy")) or a["images"].ndim != 3:
        return None
    if not isinstance(meta["settings"], dict) or not all(
            isinstance(meta[k], str) for k in ("run_id", "layer", "kind", "weights_hash")):
        return None
    maps = [FilterMap(layer=meta["layer"], index=int(a["index"][i]), image=a["images"][i],
                      activation=float(a["activation"][i]), loss_curve=a["curves"][i],
                      saturation=float(a["saturation"][i]), hf_energy=float(a["hf_energy"][i]),
                      dead=bool(reasons[i]), dead_reason=reasons[i])
            for i in range(n)]
    return LayerMaps(run_id=meta["run_id"], layer=meta["layer"], kind=meta["kind"], maps=maps,
                     settings=meta["settings"], weights_hash=meta["weights_hash"],
                     seconds=float(meta["seconds"]))
