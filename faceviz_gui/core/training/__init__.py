"""Experiments and training: TOML specs, nets with Keras-style layer names, fit/resume and its
loop, checkpoints, augmentation, transfer, run folders and evaluation."""
