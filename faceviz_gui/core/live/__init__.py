"""Testing on new images: face finding and CMU framing, the live frame pipeline, photo-folder
evaluation and the files the live page saves."""
