"""FaceViz: see what a small head-pose CNN learned, and why it fails on new faces."""

import os as _os

__version__ = "0.1.0"

# Before anything imports torch: idle OpenMP threads sleep instead of spinning. The GUI shares
# two cores between the UI, training and rendering, and spinning waiters made a 2-thread
# training 3x slower in wall time on a loaded machine (measured); idle, it costs nothing.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
