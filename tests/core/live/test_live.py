"""The live frame pipeline on frames fed like a camera's, and the latest-frame slot."""
from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from live_helpers import background, cmu_shot, place, pose_run, unseen_shots

from faceviz_gui.core.live.faces import Box
from faceviz_gui.core.live.pipeline import LatestFrameSlot, LivePipeline, serve
from faceviz_gui.core.training.nets import build_model
from faceviz_gui.core.training.specs import find_spec

POSES = ("straight", "left", "right", "up")


def test_no_face_gives_a_centred_crop_and_a_full_result(trained_run):
    pipe = LivePipeline(trained_run.load_model())
    rgb = np.repeat(background()[..., None], 3, axis=2)
    r = pipe.process(rgb)
    assert r.box is None and not r.found and "no face" in r.face_status
    assert r.crop.shape == (30, 32) and r.heatmap.shape == (30, 32)
    assert r.outputs.sum() == pytest.approx(1.0, abs=1e-5) and r.output_kind == "softmax"
    assert r.predicted_class in ("not_left", "left")
    assert set(r.timings) == {"detect", "crop", "predict", "attend", "total"}
    assert r.timings["total"] >= r.timings["detect"] + r.timings["predict"] - 1e-3
    json.dumps(r.to_json())  # a snapshot's prediction file


def test_linear_models_give_raw_outputs_and_no_attention_when_off():
    spec = find_spec("ex1-6").copy(scale=4)
    model = build_model(spec, seed=0).eval()
    pipe = LivePipeline(model, method="none")
    r = pipe.process(background())
    assert r.output_kind == "linear" and r.heatmap is None and r.timings["attend"] < 1.0
    assert r.predicted == int(np.argmax(r.outputs))


@pytest.mark.cmu
def test_faces_at_known_places_are_cropped_and_their_pose_predicted(cmu_dir, tmp_path_factory):
    run = pose_run(cmu_dir, tmp_path_factory)
    pipe = LivePipeline(run.load_model())
    places = [(30, 20), (300, 170), (160, 100)]
    right, total, landed = 0, 0, []
    for pose in POSES:
        for i, path in enumerate(unseen_shots(run, cmu_dir, pose, 5)):
            frame, (sx, sy, sw, sh) = place(cmu_shot(path), *places[i % 3])
            pipe.reset()  # a new face in a new place: nothing to track from
            r = pipe.process(frame, still=True)
            if r.box is None:
                continue
            # the crop lands on the face: most of it is where the CMU shot was pasted
            landed.append(Box(*r.rect).iou(Box(sx, sy, sw, sh)))
            total += 1
            right += r.predicted_class == pose
    assert total >= 12, "the detector should find most real CMU faces"
    assert np.median(landed) > 0.65, landed
    # turned and raised faces are framed less like CMU (see faces.FRAMING): most, not all
    assert right / total >= 0.65, f"{right} of {total} poses right"


@pytest.mark.cmu
def test_the_tracker_holds_the_face_through_a_missed_frame(cmu_dir, tmp_path_factory):
    run = pose_run(cmu_dir, tmp_path_factory)
    pipe = LivePipeline(run.load_model(), method="none")
    frame, _ = place(cmu_shot(unseen_shots(run, cmu_dir, "straight", 1)[0]), 200, 100)
    first = pipe.process(frame)
    assert first.found
    held = pipe.process(background())
    assert held.box is not None and not held.found and "held" in held.face_status
    assert held.rect == pytest.approx(first.rect)


def test_latest_frame_slot_keeps_the_newest_and_counts_drops():
    slot = LatestFrameSlot()
    assert slot.take(timeout=0.01) is None
    for i in range(5):
        slot.put(i)
    assert slot.take() == 4 and slot.dropped == 4 and slot.received == 5
    got = []
    t = threading.Thread(target=lambda: got.append(slot.take(timeout=30)))
    t.start()
    slot.close()  # a waiting worker wakes up at once
    t.join(5)
    assert not t.is_alive() and got == [None]


def test_serve_processes_frames_on_a_worker_and_stops_when_closed(trained_run):
    slot = LatestFrameSlot()
    results, arrived = [], threading.Event()

    def emit(tag, result):
        results.append((tag, result))
        arrived.set()

    options = {"method": "saliency"}
    worker = threading.Thread(target=serve, args=(
        lambda: LivePipeline(trained_run.load_model()), slot, emit), kwargs={"options": options})
    worker.start()
    frame = background()
    slot.put((frame, "first"))
    assert arrived.wait(30)
    assert results[0][0] == "first" and results[0][1].method == "saliency"
    slot.close()
    worker.join(10)
    assert not worker.is_alive()


@pytest.mark.cmu
def test_a_turned_face_in_a_video_is_found_within_three_frames(cmu_dir, tmp_path_factory):
    from faceviz_gui.core.live.faces import detect_face
    run = pose_run(cmu_dir, tmp_path_factory)
    frames = []
    for path in unseen_shots(run, cmu_dir, "left", 6):
        frame, _ = place(cmu_shot(path), 100, 80)
        box = detect_face(frame)
        if box is not None and box.kind != "frontal":
            frames.append(frame)
    assert frames, "the profile cascade finds some left-turned CMU faces"
    pipe = LivePipeline(run.load_model(), method="none")
    for frame in frames[:2]:
        pipe.reset()
        found = [pipe.process(frame).found for _ in range(3)]  # one cascade per frame, in turn
        assert any(found)
        assert pipe.process(frame).found  # then it is tracked frame to frame


def test_cli_live_on_a_video_and_on_photos(trained_run, tmp_path, capsys):
    import cv2

    from faceviz_gui.cli import main
    video = tmp_path / "v.mp4"
    w = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 10, (320, 240))
    for i in range(6):
        w.write(cv2.cvtColor(background(240, 320, seed=i), cv2.COLOR_GRAY2BGR))
    w.release()
    lines = tmp_path / "frames.jsonl"
    assert main(["live", str(trained_run.path), str(video), "--json", "--frames", str(lines)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["frames"] == 6 and sum(out["predicted"].values()) == 6
    assert len(lines.read_text().splitlines()) == 6
    (tmp_path / "p" / "left").mkdir(parents=True)
    cv2.imwrite(str(tmp_path / "p" / "left" / "a_1.png"), background(120, 128))
    table = tmp_path / "t.csv"
    assert main(["live", str(trained_run.path), str(tmp_path / "p"), "--csv", str(table)]) == 0
    assert "accuracy" in capsys.readouterr().out and table.exists()
    assert main(["live", str(trained_run.path), str(tmp_path / "nope.mp4")]) == 2
    assert "not found" in capsys.readouterr().err


def test_live_gradcam_is_the_attention_modules_gradcam(trained_run):
    from faceviz_gui.core.attention.methods import attribute
    from faceviz_gui.core.data.faceset import normalize
    model = trained_run.load_model()
    r = LivePipeline(model).process(background(seed=3))
    ref = attribute(model, normalize(r.crop), "gradcam", target=r.predicted)
    assert r.predicted == ref.predicted
    np.testing.assert_allclose(r.outputs, ref.outputs, atol=1e-5)
    np.testing.assert_allclose(r.heatmap, ref.heatmap, atol=1e-4)
