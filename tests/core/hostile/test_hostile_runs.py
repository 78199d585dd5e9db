"""Hostile run folders (classes 6, 11, 12, 13 and 14 of the adversarial round).

6: one damaged run (status.json random bytes or a list, eval.json a list or a word for the
   accuracy) is listed as damaged; the healthy runs list, evaluate and compare as before.
11: a read-only run reads and renders (cache not written, one warning); resuming it is one line.
12: a damaged checkpoint is one line naming the file.
13: a damaged map-cache entry is a miss and is rewritten.
14: weights that do not fit the spec are one line, however many tensors disagree.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from safetensors import safe_open
from safetensors.torch import save_file

from faceviz_gui.core.data.synth import write_synthetic
from faceviz_gui.core.training import checkpoint


@pytest.fixture
def probe(tmp_path):
    return write_synthetic(tmp_path / "probe", n_people=2, seed=4)


DAMAGE = {"status-bytes": ("status.json", os.urandom(200)), "status-list": ("status.json", b"[1]"),
          "eval-list": ("eval.json", b"[1, 2]"),
          "eval-word": ("eval.json", b'{"accuracy": "high"}')}


def test_class6_one_damaged_run_breaks_no_other(cli, run_copy, probe):
    runs = run_copy.parent
    for tag, (name, data) in DAMAGE.items():
        bad = runs / f"{run_copy.name}-{tag}"
        shutil.copytree(run_copy, bad)
        (bad / name).write_bytes(data)
    rc, out, err = cli("runs", "--runs", runs, "--json")
    assert rc == 0, err
    rows = {r["run_id"]: r for r in json.loads(out)}
    assert rows[run_copy.name]["state"] == "done" and "damage" not in rows[run_copy.name]
    for tag in DAMAGE:
        row = rows[f"{run_copy.name}-{tag}"]
        assert row["state"] == "damaged" and row["damage"], row
    rc, out, err = cli("runs", "--runs", runs)
    assert rc == 0 and out.count("damaged") >= 2 * len(DAMAGE), (out, err)
    rc, out, err = cli("eval", run_copy.name, "--runs", runs, "--data", probe, "--json")
    assert rc == 0, err
    rc, out, err = cli("compare", run_copy.name, f"{run_copy.name}-eval-word", "--runs", runs,
                       "--data", probe, "--json")
    assert rc == 0, err


@pytest.fixture
def read_only(run_copy):
    """The run folder made unwritable: immutable as root (chattr), mode 555 otherwise."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(
                ["chattr", "-R", "+i", str(run_copy)], capture_output=True).returncode:
            pytest.skip("cannot make a folder read-only for root here (no chattr +i)")
        yield run_copy
        subprocess.run(["chattr", "-R", "-i", str(run_copy)], check=True)
    else:
        modes = {p: p.stat().st_mode for p in [run_copy, *run_copy.rglob("*")] if p.is_dir()}
        for p in modes:
            p.chmod(0o555)
        yield run_copy
        for p, m in modes.items():
            p.chmod(m)


def test_class11_read_only_run_reads_and_renders(cli, refused, read_only, probe, tmp_path):
    before = sorted(p.name for p in read_only.iterdir())
    rc, _, err = cli("eval", read_only, "--data", probe)
    assert rc == 0, err
    rc, out, err = cli("maps", read_only, "--layers", "dense_3", "--steps", "2",
                       "--formats", "png", "--out", tmp_path / "gallery")
    assert rc == 0, err
    assert err.count("faceviz: warning:") == 1 and "cache not written" in err, err
    assert list((tmp_path / "gallery").rglob("*.png"))
    refused("train", "--resume", read_only, words=("read-only",), allowed=[tmp_path / "gallery"])
    refused("maps", read_only, "--layers", "dense_3", "--steps", "2", "--formats", "png",
            words=("cannot",), allowed=[tmp_path / "gallery"])  # gallery in the run: one line
    assert sorted(p.name for p in read_only.iterdir()) == before


def _rewrite_checkpoint(run, change):
    path = run / checkpoint.CHECKPOINT
    with safe_open(str(path), framework="pt") as f:
        meta = json.loads(f.metadata()["faceviz"])
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    meta = change(meta)
    save_file(tensors, str(path), {"faceviz": meta if isinstance(meta, str) else json.dumps(meta)})


CHECKPOINT_DAMAGE = {
    "format only": lambda m: {"format": 1},
    "extra key": lambda m: {**m, "extra": 1},
    "extra progress key": lambda m: {**m, "progress": {**m["progress"], "lr": 3}},
    "epoch a word": lambda m: {**m, "progress": {**m["progress"], "epoch": "two"}},
    "groups a dict": lambda m: {**m, "param_groups": {"lr": 1}},
    "not json": lambda m: "{oops",
    "a list": lambda m: [1],
}


@pytest.mark.parametrize("damage", list(CHECKPOINT_DAMAGE))
def test_class12_damaged_checkpoint_is_one_line(refused, run_copy, damage):
    status = json.loads((run_copy / "status.json").read_text())
    (run_copy / "status.json").write_text(json.dumps({**status, "state": "stopped"}))
    _rewrite_checkpoint(run_copy, CHECKPOINT_DAMAGE[damage])
    refused("train", "--resume", run_copy, words=("checkpoint.safetensors",),
            allowed=[run_copy])
    assert json.loads((run_copy / "status.json").read_text())["state"] == "stopped"


def _entries(run):
    folder = run / "cache" / "happymaps"
    return sorted(folder.glob("dense_3-*.json")), sorted(folder.glob("dense_3-*.npz"))


CACHE_DAMAGE = {
    "half npz": lambda js, npz: npz.write_bytes(npz.read_bytes()[:100]),
    "json missing key": lambda js, npz: js.write_text(json.dumps(
        {k: v for k, v in json.loads(js.read_text()).items() if k != "dead_reason"})),
    "binary json": lambda js, npz: js.write_bytes(os.urandom(64)),
    "json a list": lambda js, npz: js.write_text("[1, 2]"),
    "too few images": lambda js, npz: js.write_text(json.dumps(
        {**json.loads(js.read_text()), "dead_reason": [""]})),
}


def test_class13_damaged_cache_entries_are_misses(cli, run_copy, tmp_path):
    args = ("maps", run_copy, "--layers", "dense_3", "--steps", "2", "--formats", "png",
            "--out", tmp_path / "g")
    rc, _, err = cli(*args)
    assert rc == 0, err
    (js,), (npz,) = _entries(run_copy)
    good = js.read_bytes(), npz.read_bytes()
    for name, damage in CACHE_DAMAGE.items():
        damage(js, npz)
        rc, _, err = cli(*args)
        assert rc == 0, (name, err)
        (js2,), (npz2,) = _entries(run_copy)
        assert json.loads(js2.read_text())["dead_reason"] == json.loads(good[0])["dead_reason"]
        js, npz = js2, npz2


def test_class14_weights_of_the_wrong_shapes(refused, run_copy, trained_run, probe, tmp_path):
    from faceviz_gui.core.training.nets import build_model
    from faceviz_gui.core.training.specs import find_spec
    other = build_model(find_spec("ex1-3").copy(scale=4))
    save_file({k: v.contiguous() for k, v in other.state_dict().items()},
              str(run_copy / "weights.safetensors"))
    err = refused("eval", run_copy, "--data", probe, words=("weights.safetensors", "does not fit"))
    assert "dense_1 weight is" in err
    # the spec edited under existing weights
    edited = tmp_path / "edited" / trained_run.name
    shutil.copytree(trained_run, edited)
    spec = (edited / "spec.toml").read_text().replace("filters = 32", "filters = 8")
    (edited / "spec.toml").write_text(spec)
    refused("maps", edited, "--layers", "dense_3", "--steps", "2", words=("does not fit",))
    refused("attend", edited, probe / "syn01" / "syn01_left_happy_open_4.pgm",
            "--out", tmp_path / "att", words=("does not fit",))
