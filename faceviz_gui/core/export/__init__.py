"""Writing results to disk: PNG sheets and per-map PNGs, a standalone index.html, metadata, PDF."""
