"""Frames from a camera or a video file, as numpy RGB arrays, through one QVideoSink.

Cameras go QCamera -> QMediaCaptureSession -> sink; video files QMediaPlayer -> sink; tests
(and anything else) may call ``sink.setVideoFrame(QVideoFrame(qimage))`` directly, which is
exactly what a camera does. Whatever goes wrong (no camera, access refused, the camera
unplugged mid-stream, a file that will not decode) becomes one ``failed`` message for the
page to show; nothing is raised into the rest of the app.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import (
    QCamera,
    QCameraDevice,
    QMediaCaptureSession,
    QMediaDevices,
    QMediaPlayer,
    QVideoFrame,
    QVideoSink,
)

# Frames larger than this are shrunk before they leave the UI thread: detection works on
# 320 px anyway, and a 4K camera would otherwise cost 25 MB a frame.
MAX_FRAME_WIDTH = 960


def qimage_to_rgb(image: QImage, mirror: bool = False, max_width: int = MAX_FRAME_WIDTH) -> np.ndarray:
    """A copy of ``image`` as uint8 RGB (H, W, 3), mirrored and shrunk as asked."""
    if image.width() > max_width:
        image = image.scaledToWidth(max_width, Qt.TransformationMode.SmoothTransformation)
    if mirror:
        image = image.flipped(Qt.Orientation.Horizontal)
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = image.height(), image.width(), image.bytesPerLine()
    buf = np.frombuffer(image.constBits(), dtype=np.uint8, count=h * bpl).reshape(h, bpl)
    return buf[:, :w * 3].reshape(h, w, 3).copy()


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb)
    if rgb.ndim == 2:
        return QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0],
                      QImage.Format.Format_Grayscale8).copy()
    return QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0],
                  QImage.Format.Format_RGB888).copy()


class VideoSource(QObject):
    frameArrived = Signal(object)    # uint8 RGB (H, W, 3)
    failed = Signal(str)             # a message for the page
    stateChanged = Signal(str)       # "camera", "video", "stopped"
    camerasChanged = Signal()
    # video files only: where it is, how long it is, paused or not, and the end reached
    positionChanged = Signal(int)    # ms
    durationChanged = Signal(int)    # ms
    pausedChanged = Signal(bool)
    ended = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.sink = QVideoSink(self)
        self.sink.videoFrameChanged.connect(self._on_frame)
        self.state = "stopped"
        self.frames = 0
        self._session: QMediaCaptureSession | None = None
        self._camera: QCamera | None = None
        self._player: QMediaPlayer | None = None
        self.paused = False
        self.at_end = False
        self.drop_base: int | None = None  # the worker's drop count when this source began
        self.loop = False
        self._devices = QMediaDevices(self)
        self._devices.videoInputsChanged.connect(self._inputs_changed)

    # -- what is there ---------------------------------------------------------------------
    @staticmethod
    def cameras() -> list[QCameraDevice]:
        return list(QMediaDevices.videoInputs())

    # -- starting and stopping -------------------------------------------------------------
    def start_camera(self, device: QCameraDevice | None = None) -> bool:
        """Start ``device`` (the default camera if None); False and ``failed`` if impossible."""
        self.stop()
        cams = self.cameras()
        if not cams:
            self.failed.emit("No camera found. Connect one, or open a video file or photos "
                             "instead (the Open buttons, or drop files on this page).")
            return False
        if not self._permission_granted():
            self.failed.emit("Camera access was refused. Allow FaceViz to use the camera in "
                             "the system settings, then try again.")
            return False
        device = device if device is not None and not device.isNull() else QMediaDevices.defaultVideoInput()
        self._camera = QCamera(device, self)
        self._camera.errorOccurred.connect(self._camera_error)
        self._session = QMediaCaptureSession(self)
        self._session.setCamera(self._camera)
        self._session.setVideoSink(self.sink)
        self._camera.start()
        self.frames, self.drop_base = 0, None
        self._set_state("camera")
        return True

    def play_file(self, path: str, loop: bool = False) -> None:
        self.stop()
        self._player = QMediaPlayer(self)
        self._player.setVideoSink(self.sink)
        self._player.errorOccurred.connect(self._player_error)
        self._player.mediaStatusChanged.connect(self._media_status)
        self._player.positionChanged.connect(lambda ms: self.positionChanged.emit(int(ms)))
        self._player.durationChanged.connect(lambda ms: self.durationChanged.emit(int(ms)))
        self.loop = self.loop or loop
        self._player.setLoops(QMediaPlayer.Loops.Infinite if self.loop else 1)
        self._player.setSource(QUrl.fromLocalFile(str(path)))
        self._player.play()
        self._set_paused(False)
        self.at_end = False
        self.frames, self.drop_base = 0, None
        self._set_state("video")

    def stop(self) -> None:
        """Stop capture or playback and let go of the device; safe to call any time."""
        if self._camera is not None:
            self._camera.errorOccurred.disconnect(self._camera_error)
            self._camera.stop()
            if self._session is not None:
                self._session.setVideoSink(None)
                self._session.setCamera(None)
            self._camera.deleteLater()
            self._camera = None
        if self._session is not None:
            self._session.deleteLater()
            self._session = None
        if self._player is not None:
            self._player.errorOccurred.disconnect(self._player_error)
            self._player.mediaStatusChanged.disconnect(self._media_status)
            self._player.stop()
            self._player.setVideoSink(None)
            self._player.deleteLater()
            self._player = None
        self.at_end = False
        self._set_paused(False)
        self._set_state("stopped")

    def pause(self, paused: bool) -> None:
        if self._player is not None:
            if not paused and self.at_end:
                self.replay()
                return
            self._player.pause() if paused else self._player.play()
            self._set_paused(paused)

    def replay(self) -> None:
        """After the end: from the start again."""
        if self._player is not None:
            self.at_end = False
            self._player.setPosition(0)
            self._player.play()
            self._set_paused(False)
            self._set_state("video")

    def set_loop(self, on: bool) -> None:
        self.loop = bool(on)
        if self._player is not None:
            self._player.setLoops(QMediaPlayer.Loops.Infinite if on else 1)

    def seek(self, ms: int) -> None:
        """Go to ``ms`` (the frame there is shown, paused or not)."""
        if self._player is not None:
            if self.at_end:  # a seek after the end: paused at that frame, ready to play on
                self.at_end = False
                self._player.pause()
                self._set_paused(True)
                self._set_state("video")
            self._player.setPosition(max(0, min(int(ms), self.duration())))

    def step(self, frames: int = 1) -> None:
        """Pause and move ``frames`` frames on (negative: back)."""
        if self._player is not None:
            if not self.paused:
                self.pause(True)
            self.seek(self.position() + round(frames * self.frame_ms()))

    def position(self) -> int:
        return int(self._player.position()) if self._player is not None else 0

    def duration(self) -> int:
        return int(self._player.duration()) if self._player is not None else 0

    def frame_ms(self) -> float:
        """One frame's time, from the file's frame rate (25 fps when it does not say)."""
        if self._player is not None:
            from PySide6.QtMultimedia import QMediaMetaData
            rate = self._player.metaData().value(QMediaMetaData.Key.VideoFrameRate)
            try:
                if rate and float(rate) > 0:
                    return 1000.0 / float(rate)
            except (TypeError, ValueError):
                pass
        return 40.0

    def _set_paused(self, paused: bool) -> None:
        if paused != self.paused:
            self.paused = paused
            self.pausedChanged.emit(paused)

    @property
    def active(self) -> bool:
        return self.state != "stopped"

    @property
    def player(self) -> QMediaPlayer | None:
        return self._player

    # -- events ----------------------------------------------------------------------------
    def _on_frame(self, frame: QVideoFrame) -> None:
        if not frame.isValid():
            return
        image = frame.toImage()
        if image.isNull():
            return
        self.frames += 1
        self.frameArrived.emit(qimage_to_rgb(image))

    def _camera_error(self, _error, message: str) -> None:
        self.stop()
        self.failed.emit(f"The camera stopped: {message or 'unknown error'}. "
                         "Check it is connected and not used by another program.")

    def _player_error(self, _error, message: str) -> None:
        self.stop()
        self.failed.emit(f"Cannot play this video: {message or 'unknown error'}")

    def _media_status(self, status) -> None:
        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            # The last frame stays on screen and the player stays, so play, seek and step
            # still work; nothing more comes, so the page counts it as stopped.
            self.at_end = True
            self._set_paused(True)
            self._set_state("stopped")
            self.ended.emit()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._player_error(None, "the file is not a video Qt can decode")

    def _inputs_changed(self) -> None:
        if self._camera is not None:
            ids = {bytes(c.id()) for c in self.cameras()}
            if bytes(self._camera.cameraDevice().id()) not in ids:
                self.stop()
                self.failed.emit("The camera was disconnected.")
        self.camerasChanged.emit()

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)

    @staticmethod
    def _permission_granted() -> bool:
        try:
            from PySide6.QtCore import QCameraPermission, QCoreApplication
            app = QCoreApplication.instance()
            status = app.checkPermission(QCameraPermission())
        except (ImportError, AttributeError, TypeError):
            return True  # Qt without the permission API: the camera itself will say no
        if status == Qt.PermissionStatus.Undetermined:
            app.requestPermission(QCameraPermission(), lambda *_: None)
            return True
        return status == Qt.PermissionStatus.Granted
