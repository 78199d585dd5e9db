"""FaceViz: see what a small head-pose CNN learned, and why it fails on new faces."""

__version__ = "0.1.0"
