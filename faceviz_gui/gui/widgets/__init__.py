"""Reusable analysis widgets: map grid, map detail, heat maps, numpy -> QImage helpers."""
