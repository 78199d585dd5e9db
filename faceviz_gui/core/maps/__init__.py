"""HappyMaps: batched activation maximisation (Fourier images, one step's tensor ops), per-map
statistics and dead flags, the disk cache, and the top data-set images per filter."""
