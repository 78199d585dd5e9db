"""Smaller networks: structural pruning guided by the maps, and export for devices."""
