"""The Live test page: a run tested on a camera, a video, photos or a labelled folder.

Frames come from a VideoSource (camera or video file, one QVideoSink) or from still photos;
the UI thread hands each to a LiveWorker (latest frame wins, see core/live.py) and shows
the frame it gets back with its box, crop, attention and class bars, so the box always
belongs to the frame under it. Folders and several photos are scored on a JobWorker into the
Photos tab. Leaving the page stops capture and playback; the window's close calls shutdown().
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from faceviz_gui.core.attention.methods import METHOD_NAMES, overlay
from faceviz_gui.core.data.imageload import IMAGE_SUFFIXES, decode_image
from faceviz_gui.core.errors import FaceVizError, shown
from faceviz_gui.core.live.faces import crop_rect
from faceviz_gui.core.live.pipeline import VIDEO_SUFFIXES
from faceviz_gui.core.live.save import save_example, save_snapshot
from faceviz_gui.core.paths import user_home
from faceviz_gui.core.training.runs import Run, list_runs
from faceviz_gui.core.training.specs import SCALE_SIZES
from faceviz_gui.gui.pages.live.controls import ActionBox, AttentionBar, SourceBar, VideoControls
from faceviz_gui.gui.pages.live.drops import local_paths
from faceviz_gui.gui.pages.live.layer_view import LayerPanel
from faceviz_gui.gui.pages.live.photos import PhotoResults
from faceviz_gui.gui.pages.live.video_source import VideoSource, rgb_to_qimage
from faceviz_gui.gui.pages.live.views import ProbabilityBars, StatusLines, VideoView, dropped_words
from faceviz_gui.gui.pages.live.worker import LiveWorker
from faceviz_gui.gui.widgets.image_canvas import ImageCanvas
from faceviz_gui.gui.widgets.job_slot import JobSlot


class LivePanel(QWidget):
    def __init__(self, context, parent=None):
        super().__init__(parent)
        self.context = context
        self.source = VideoSource(self)
        self.worker: LiveWorker | None = None
        self.jobs = JobSlot(self)
        self.frame: np.ndarray | None = None     # the frame on screen (RGB)
        self.result = None                       # its LiveResult
        self.results = 0
        self.frozen = False
        self._build()
        self.source.frameArrived.connect(self.feed_frame)
        self.source.failed.connect(self.show_message)
        self.source.camerasChanged.connect(self._fill_cameras)
        context.runsChanged.connect(self.refresh_runs)
        context.runSelected.connect(self._context_run)
        context.runUpdated.connect(self._run_updated)
        self.setAcceptDrops(True)
        self._fill_cameras()
        self.refresh_runs()

    def _build(self) -> None:
        self.bar = SourceBar()
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background:#fff4d6;color:#5c4400;padding:6px;border-radius:4px")
        self.banner.hide()
        self.video = VideoView()
        self.crop_view = ImageCanvas(smooth=False)
        self.crop_view.set_placeholder("The face as the network sees it")
        self.attention = AttentionBar()
        self.bars = ProbabilityBars()
        self.stats = StatusLines(3)
        self.stats.setText("—")
        self.actions = ActionBox()
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(6, 0, 0, 0)
        seen = QLabel("<b>What the network sees</b>")
        seen.setToolTip("The face crop at the run's input size, with the attention overlay: "
                        "which pixels drove the prediction")
        sl.addWidget(seen)
        sl.addWidget(self.crop_view, 3)
        sl.addWidget(self.attention)
        sl.addWidget(QLabel("<b>Prediction</b>"))
        sl.addWidget(self.bars, 1)
        sl.addWidget(self.stats)
        sl.addWidget(self.actions)
        self.video_controls = VideoControls(self.source)  # pause, step, seek, loop; box legend
        video_box = QWidget()
        vl = QVBoxLayout(video_box)
        vl.setContentsMargins(0, 0, 0, 0)
        vl.addWidget(self.video, 1)
        vl.addWidget(self.video_controls)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(video_box)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.photos = PhotoResults()
        self.tabs = QTabWidget()
        self.layers = LayerPanel(self.context)  # the live layer view, under frame and prediction
        self.layers.layerChosen.connect(self._layer_changed)
        live = QSplitter(Qt.Orientation.Vertical)
        live.addWidget(split)
        live.addWidget(self.layers)
        live.setStretchFactor(0, 1)
        live.setStretchFactor(1, 1)
        self.tabs.addTab(live, "Live")
        self.tabs.addTab(self.photos, "Photos")
        lay = QVBoxLayout(self)
        lay.addWidget(self.bar)
        lay.addWidget(self.banner)
        lay.addWidget(self.tabs, 1)

        b = self.bar
        b.run_combo.currentIndexChanged.connect(self._run_changed)
        b.camera_button.clicked.connect(self.start_camera)
        b.mirror.toggled.connect(self._mirror_toggled)
        b.videoChosen.connect(self.play_video)
        b.photosChosen.connect(self.open_paths)
        b.folderChosen.connect(lambda path: self.evaluate(Path(path)))
        b.stop_button.clicked.connect(self.stop_sources)
        self.attention.method.currentIndexChanged.connect(self._method_changed)
        self.attention.opacity.valueChanged.connect(self._opacity_changed)
        a = self.actions
        a.freeze.toggled.connect(self.set_frozen)
        a.snapshot.clicked.connect(self.snapshot)
        a.save_example.clicked.connect(self.save_as_example)

    # -- runs -----------------------------------------------------------------------------
    def refresh_runs(self) -> None:
        combo = self.bar.run_combo
        keep = self.run.path if self.run is not None else Path(self.context.current_run or ".")
        combo.blockSignals(True)
        combo.clear()
        for run in reversed(list_runs(self.context.runs_root)):
            if run.has_weights:
                spec = run.spec
                combo.addItem(f"{run.id}  ({spec.task}, {spec.input_size[1]}x{spec.input_size[0]})",
                              str(run.path))
        i = combo.findData(str(keep))
        combo.setCurrentIndex(i if i >= 0 else 0)
        combo.blockSignals(False)
        if combo.count() == 0:
            combo.addItem("No trained runs yet: train one on the Training page", "")
        self._run_changed()

    @property
    def run(self) -> Run | None:
        path = self.bar.run_combo.currentData()
        return Run(path) if path else None

    def select_run(self, path) -> None:
        i = self.bar.run_combo.findData(str(path))
        if i >= 0:
            self.bar.run_combo.setCurrentIndex(i)

    def _context_run(self, path: str) -> None:
        if not self.source.active:  # never swap the network under a running camera
            self.select_run(path)

    def _run_updated(self, path: str) -> None:
        # new weights at an epoch end: a fresh worker loads them (never the training model)
        if self.worker is not None and str(self.worker.run_ref.path) == str(path):
            self._stop_worker()
            self._run_changed()

    def _run_changed(self, *_):
        run = self.run
        if self.worker is not None and run is not None and self.worker.run_ref.path == run.path:
            return
        self._stop_worker()
        self.layers.set_run(run)
        if run is not None:
            self.worker = LiveWorker(run, self.attention.method_key, self)
            self.worker.resultReady.connect(self._on_result)
            self.worker.failed.connect(self.show_message)
            self.worker.set_layer(self.layers.layer)
            self.worker.start()
            if self.frame is not None:
                self.worker.submit(self.frame, still=True)

    def _stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.resultReady.disconnect(self._on_result)
            self.worker.stop()
            self.worker.deleteLater()
            self.worker = None

    # -- frames in ------------------------------------------------------------------------
    def feed_frame(self, rgb: np.ndarray, still: bool = False) -> None:
        """A frame from the camera, a video or a still: shown once the network has seen it."""
        if self.frozen:
            return
        if self.worker is None:
            self.frame = rgb
            self.video.show_frame(rgb_to_qimage(rgb), caption="Choose a trained run to test")
            return
        self.worker.submit(rgb, still=still)

    def _on_result(self, frame, result) -> None:
        if self.frozen and frame is not self.frame:
            return
        self.frame, self.result = frame, result
        self.results += 1
        caption = f"{result.predicted_class}  {result.confidence:.2f}"
        if result.box is None:
            caption += "   (no face found: centred crop)"
        self.video.show_frame(rgb_to_qimage(frame), result.box, result.found, result.rect, caption)
        self._show_crop()
        self.bars.set_values(result.classes, result.outputs, result.output_kind, result.predicted)
        self.layers.show_activations(result.layer, result.crop)
        w, t = self.worker, result.timings
        fps = f" · {w.fps:.1f} fps" if w is not None and w.fps else ""
        self.stats.setText(
            f"latency {t['total']:.1f} ms{fps}\n{dropped_words(w, self.source)}\n"
            f"{'face found' if result.box is not None and result.found else result.face_status}",
            f"detect {t['detect']:.1f} ms, crop {t['crop']:.1f}, predict {t['predict']:.1f}, "
            f"attention {t['attend']:.1f}; frames that came while the network was busy are "
            "dropped, never queued")

    def _show_crop(self) -> None:
        r = self.result
        if r is None:
            return
        img = overlay(r.crop, r.heatmap, self.attention.alpha) if r.heatmap is not None else r.crop
        name = METHOD_NAMES.get(r.method, "no overlay")
        self.crop_view.set_image(rgb_to_qimage(np.asarray(
            img if img.dtype == np.uint8 else np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8))),
            caption=f"{r.crop.shape[1]}x{r.crop.shape[0]} · {name}")

    def show_message(self, text: str) -> None:
        text = shown(text)  # may name a photo whose name is not UTF-8: Qt would drop its bytes
        self.banner.setText(text)
        self.banner.setVisible(bool(text))
        if text and self.frame is None:
            self.video.show_message(text)

    # -- sources ----------------------------------------------------------------------------
    def _fill_cameras(self) -> None:
        combo = self.bar.camera_combo
        combo.clear()
        for cam in self.source.cameras():
            combo.addItem(cam.description(), cam)
        if combo.count() == 0:
            combo.addItem("No camera found", None)
        self.bar.camera_button.setEnabled(True)

    def start_camera(self) -> bool:
        self.show_message("")
        self._reset_tracking()
        ok = self.source.start_camera(self.bar.camera_combo.currentData())
        if ok:
            self.tabs.setCurrentIndex(0)
        return ok

    def play_video(self, path) -> None:
        self.show_message("")
        self._reset_tracking()
        self.set_frozen(False)
        self.tabs.setCurrentIndex(0)
        self.source.play_file(str(path))

    def show_still(self, path) -> bool:
        image, reason = decode_image(path)
        if image is None:
            self.show_message(f"Cannot use {Path(path).name}: {reason}")
            return False
        self.stop_sources()
        self.show_message("")
        self._reset_tracking()
        self.set_frozen(False)
        self.tabs.setCurrentIndex(0)
        self.feed_frame(np.clip(image * 255 + 0.5, 0, 255).astype(np.uint8), still=True)
        return True

    def stop_sources(self) -> None:
        self.source.stop()

    def _mirror_toggled(self, on: bool) -> None:
        # Only the picture is mirrored: the network keeps seeing the camera's own frame, so
        # "left" stays the subject's left (camera right), as in the CMU images.
        self.video.set_mirror(on)

    def _reset_tracking(self) -> None:
        if self.worker is not None:
            self.worker.reset_tracking()

    # -- photos and folders -----------------------------------------------------------------
    def open_paths(self, paths) -> None:
        """Whatever was dropped or opened: a folder, a video, one photo, or several photos."""
        paths = [Path(p) for p in paths]
        if len(paths) == 1 and paths[0].is_dir():
            return self.evaluate(paths[0])
        videos = [p for p in paths if p.suffix.lower() in VIDEO_SUFFIXES]
        if videos:
            return self.play_video(videos[0])
        images = [p for p in paths if p.suffix.lower() in IMAGE_SUFFIXES or p.is_file()]
        if len(images) == 1:
            return self.show_still(images[0])
        if images:
            return self.evaluate(images)
        self.show_message("Nothing to open there: drop a video, photos or a labelled folder.")

    def evaluate(self, what) -> None:
        from faceviz_gui.core.live.photo_eval import evaluate_folder
        run = self.run
        if run is None:
            return self.show_message("Choose a trained run first (train one on the Training page).")
        self.show_message("")
        self.tabs.setCurrentIndex(1)
        self.photos.show_busy(f"Scoring {what if isinstance(what, Path) else f'{len(what)} photos'}…")
        method = self.attention.method_key
        self.jobs.start(evaluate_folder, run, what, method=method,
                        on_progress=lambda r: self.photos.show_busy(
                            f"{r.get('message', '')} {r.get('done', '')}/{r.get('total', '')}"),
                        on_finished=self.photos.set_evaluation,
                        on_failed=lambda m: (self.photos.show_busy(m), self.show_message(m)))

    # -- actions ------------------------------------------------------------------------------
    def set_frozen(self, frozen: bool) -> None:
        self.frozen = frozen
        if self.actions.freeze.isChecked() != frozen:
            self.actions.freeze.setChecked(frozen)
        self.source.pause(frozen)

    def _method_changed(self, *_):
        if self.worker is not None:
            self.worker.set_method(self.attention.method_key)
            if self.frame is not None and (self.frozen or not self.source.active):
                self.worker.reset_tracking()  # re-explain the frame on screen, found afresh
                self.worker.submit(self.frame, self.frame, still=True)

    def _layer_changed(self, layer) -> None:
        if self.worker is not None:
            self.worker.set_layer(layer)
            if layer and self.frame is not None and (self.frozen or not self.source.active):
                self.worker.submit(self.frame, self.frame, still=True)  # the frame on screen

    def _opacity_changed(self, *_):
        self._show_crop()
        self.photos.set_opacity(self.attention.alpha)

    def snapshot(self) -> dict | None:
        if self.result is None or self.frame is None:
            self.show_message("Nothing to snapshot yet.")
            return None
        r = self.result
        ov = overlay(r.crop, r.heatmap, self.attention.alpha) if r.heatmap is not None else None
        out = save_snapshot(user_home() / "snapshots", self.frame, r, ov,
                            self.run.id if self.run else "")
        self.context.show_status(f"Snapshot saved: {out['json'].parent}/{out['json'].stem}…")
        return out

    def save_as_example(self) -> Path | None:
        if self.result is None or self.frame is None:
            self.show_message("No face to save yet.")
            return None
        a = self.actions
        full = crop_rect(self.frame, self.result.rect, SCALE_SIZES[1])  # any scale can use it
        try:
            path = save_example(full, a.pose.currentText(), a.person.text(), a.testset.text())
        except FaceVizError as exc:
            self.show_message(str(exc))
            return None
        self.show_message("")
        self.context.show_status(f"Saved {path}")
        return path

    # -- drag and drop, visibility, shutdown ---------------------------------------------------
    def dragEnterEvent(self, e) -> None:  # the page alone; in the window, its filter
        if local_paths(e.mimeData()):     # (live_drops.py) takes drops first
            e.setDropAction(Qt.DropAction.CopyAction)  # never Move: the source would go
            e.accept()

    def dropEvent(self, e) -> None:
        paths = local_paths(e.mimeData())
        if paths:
            e.setDropAction(Qt.DropAction.CopyAction)
            e.accept()
            self.open_paths(paths)

    def hideEvent(self, e) -> None:
        self.stop_sources()  # leaving the page lets go of the camera
        super().hideEvent(e)

    def shutdown(self) -> None:
        self.layers.shutdown()
        self.stop_sources()
        self.jobs.cancel()
        self._stop_worker()
