"""The control strips of the live page, kept apart so the panel is only wiring."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from faceviz_gui.core.attention.methods import METHOD_NAMES
from faceviz_gui.core.data.imageload import IMAGE_SUFFIXES
from faceviz_gui.core.live.pipeline import VIDEO_SUFFIXES
from faceviz_gui.core.live.save import POSE_LABELS
from faceviz_gui.gui.widgets.wrap_row import WrapRow


def _button(text: str, tip: str) -> QPushButton:
    b = QPushButton(text)
    b.setToolTip(tip)
    return b


class SourceBar(QWidget):
    """Run picker, camera picker and the ways in: camera, video file, photos, folder."""
    videoChosen = Signal(str)
    photosChosen = Signal(list)
    folderChosen = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.run_combo = QComboBox()
        self.run_combo.setMinimumContentsLength(22)
        self.run_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.run_combo.setToolTip("The trained run to test (any task)")
        self.camera_combo = QComboBox()
        self.camera_combo.setMinimumContentsLength(14)
        self.camera_combo.setToolTip("Cameras found on this computer")
        self.camera_button = _button("Start camera", "Start the chosen camera")
        self.mirror = QCheckBox("Mirror")
        self.mirror.setToolTip("Show the picture mirrored, like a mirror. Only the display "
                               "flips: the network sees the camera's own image, so 'left' "
                               "stays the subject's left.")
        self.video_button = _button("Open video…", "Play a video file through the network")
        self.photos_button = _button("Open photos…", "Test photos (one photo shows large; "
                                     "several go in the table)")
        self.folder_button = _button("Open folder…", "Score a labelled folder: subfolders "
                                     "left, right, straight, up")
        self.stop_button = _button("Stop", "Stop the camera or video")
        # two rows: the page must fit beside the experiment browser on a laptop screen
        top = QHBoxLayout()
        top.addWidget(QLabel("Run:"))
        top.addWidget(self.run_combo, 1)
        top.addSpacing(8)
        top.addWidget(self.camera_combo)
        top.addWidget(self.mirror)
        low = QHBoxLayout()
        for w in (self.camera_button, self.video_button, self.photos_button, self.folder_button,
                  self.stop_button):
            low.addWidget(w)
        low.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addLayout(top)
        lay.addLayout(low)
        self.video_button.clicked.connect(self._choose_video)
        self.photos_button.clicked.connect(self._choose_photos)
        self.folder_button.clicked.connect(self._choose_folder)

    def _choose_video(self) -> None:
        pats = " ".join(f"*{s}" for s in sorted(VIDEO_SUFFIXES))
        path, _ = QFileDialog.getOpenFileName(self, "Open a video", "", f"Videos ({pats})")
        if path:
            self.videoChosen.emit(path)

    def _choose_photos(self) -> None:
        pats = " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES))
        paths, _ = QFileDialog.getOpenFileNames(self, "Open photos", "", f"Images ({pats})")
        if paths:
            self.photosChosen.emit(paths)

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a labelled photo folder")
        if path:
            self.folderChosen.emit(path)


class AttentionBar(QWidget):
    """Attention method and overlay opacity."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.method = QComboBox()
        self.method.addItem("No overlay", "none")
        for key, name in METHOD_NAMES.items():
            self.method.addItem(name, key)
        self.method.setCurrentIndex(self.method.findData("gradcam"))
        self.method.setMinimumContentsLength(9)  # the side column stays narrow on a laptop
        self.method.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.method.setToolTip("Attention method: which pixels drove the prediction. Grad-CAM "
                               "is fast enough for every frame; the others are slower.")
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(55)
        self.opacity.setToolTip("Overlay opacity")
        self.opacity.setMinimumWidth(60)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.method, 2)
        lay.addWidget(QLabel("Opacity"))
        lay.addWidget(self.opacity, 1)

    @property
    def method_key(self) -> str:
        return self.method.currentData()

    @property
    def alpha(self) -> float:
        return self.opacity.value() / 100.0


class ActionBox(QFrame):
    """Freeze, snapshot, and "Save as example" (pose + person + test set)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.freeze = _button("Freeze", "Hold the current frame (attention settings still apply)")
        self.freeze.setCheckable(True)
        self.snapshot = _button("Snapshot", "Save frame, crop, overlay and prediction to disk")
        self.pose = QComboBox()
        self.pose.addItems(POSE_LABELS)
        self.pose.setToolTip("The pose the face in view really has")
        self.person = QLineEdit()
        self.person.setPlaceholderText("person name")
        self.testset = QLineEdit("webcam")
        self.testset.setToolTip("Test set folder under the FaceViz data folder's testsets/")
        self.save_example = _button("Save as example", "File this crop under the pose and "
                                    "person in your own test set (photo-folder format)")
        top = QHBoxLayout()
        top.addWidget(self.freeze)
        top.addWidget(self.snapshot)
        top.addStretch(1)
        ex = QHBoxLayout()
        ex.addWidget(self.pose)
        ex.addWidget(self.person, 1)
        ex2 = QHBoxLayout()
        ex2.addWidget(QLabel("Test set:"))
        ex2.addWidget(self.testset, 1)
        ex2.addWidget(self.save_example)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addLayout(ex)
        lay.addLayout(ex2)


def _clock(ms: int) -> str:
    s = max(0, int(ms)) // 1000
    return f"{s // 60}:{s % 60:02d}"


class VideoControls(QWidget):
    """Play/pause, a frame back and on, a seek slider with the time, loop; and what the boxes
    on the video mean (the orange "held" box was explained only in a tooltip before).
    Shown only while a video file is open; the end of the video says so."""

    def __init__(self, source, parent=None):
        super().__init__(parent)
        self.source = source
        self.play = _button("Pause", "Pause or play the video (Space)")
        self.play.setShortcut("Space")
        self.back = _button("◀ frame", "Pause and go one frame back")
        self.on = _button("frame ▶", "Pause and go one frame on")
        self.seek = QSlider(Qt.Orientation.Horizontal)
        self.seek.setToolTip("Drag to any point of the video")
        self.seek.setRange(0, 0)
        self.time = QLabel("0:00 / 0:00")
        self.loop = QCheckBox("Loop")
        self.loop.setToolTip("Start again at the end")
        self.end_note = QLabel("")
        self.end_note.setWordWrap(True)
        self.end_note.setStyleSheet("color:#5c4400; font-weight:600")
        # Buttons, then the slider with the time and Loop: one line when there is room, two
        # in the narrow video column of a 1000-pixel window.
        buttons, where = QWidget(), QWidget()
        bl, wl = QHBoxLayout(buttons), QHBoxLayout(where)
        for lay_, widgets in ((bl, (self.play, self.back, self.on)),
                              (wl, (self.seek, self.time, self.loop))):
            lay_.setContentsMargins(0, 0, 0, 0)
            for w in widgets:
                lay_.addWidget(w, 1 if w is self.seek else 0)
        self.seek.setMinimumWidth(120)
        row = WrapRow(spacing=8)
        row.add(buttons)
        row.add(where)
        self.row = row
        self.legend = QLabel(
            "<span style='color:#3ddc84'>■</span> face found  "
            "<span style='color:#ffb224'>■</span> held box: no face found in this frame, the "
            "last one is kept a moment  <span style='color:#5aa9ff'>┅</span> what the "
            "network sees")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("color:#5b6472")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(row)
        lay.addWidget(self.end_note)
        lay.addWidget(self.legend)
        self.end_note.hide()
        self.play.clicked.connect(lambda: source.pause(not source.paused))
        self.back.clicked.connect(lambda: source.step(-1))
        self.on.clicked.connect(lambda: source.step(1))
        self.seek.sliderMoved.connect(source.seek)
        self.loop.toggled.connect(source.set_loop)
        source.positionChanged.connect(self._position)
        source.durationChanged.connect(self._duration)
        source.pausedChanged.connect(self._paused)
        source.stateChanged.connect(self._state)
        source.ended.connect(self._ended)
        self._state(source.state)

    def _has_video(self) -> bool:
        return self.source.player is not None

    def _state(self, _state: str) -> None:
        video = self._has_video()
        self.row.setVisible(video)
        if not self.source.at_end:
            self.end_note.hide()
        self._paused(self.source.paused)

    def _paused(self, paused: bool) -> None:
        self.play.setText("Play again" if self.source.at_end else "Play" if paused else "Pause")

    def _position(self, ms: int) -> None:
        if not self.seek.isSliderDown():
            self.seek.setValue(int(ms))
        self.time.setText(f"{_clock(ms)} / {_clock(self.source.duration())}")

    def _duration(self, ms: int) -> None:
        self.seek.setRange(0, max(0, int(ms)))
        self.time.setText(f"{_clock(self.source.position())} / {_clock(ms)}")

    def _ended(self) -> None:
        self.end_note.setText("End of the video: the last frame stays. Play again, drag back, "
                              "or tick Loop.")
        self.end_note.show()
        self._state(self.source.state)
