"""Headless core: data, experiments, training, analysis. Imports no Qt (a test enforces it)."""
