"""What a HappyMap render produces: shared by happymaps (makes them), export (writes them),
the gallery (shows them) and the cache (stores them). Plain numpy, no torch, no Qt."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class FilterMap:
    layer: str
    index: int                    # filter (channel) or neuron number within the layer
    image: np.ndarray             # float32 (H, W) in [0, 1], the network's input size
    activation: float             # objective reached at the last step
    loss_curve: np.ndarray        # float32 (steps,)
    saturation: float             # fraction of pixels within 2% of 0 or 1
    hf_energy: float              # share of spectral energy above half the Nyquist frequency
    dead: bool = False
    dead_reason: str = ""         # "never responds", "flat map", "saturated map", ...

    def stats(self) -> dict[str, Any]:
        """JSON-ready statistics (metadata.json, the detail view)."""
        return {"index": self.index, "activation": float(self.activation),
                "saturation": float(self.saturation), "hf_energy": float(self.hf_energy),
                "dead": bool(self.dead), "dead_reason": self.dead_reason,
                "final_loss": float(self.loss_curve[-1]) if len(self.loss_curve) else None}


@dataclass
class LayerMaps:
    run_id: str
    layer: str
    kind: str                     # "conv2d" or "dense"
    maps: list[FilterMap]
    settings: dict[str, Any] = field(default_factory=dict)  # steps, objective, seed, lr, ...
    weights_hash: str = ""
    seconds: float = 0.0

    @property
    def dead_count(self) -> int:
        return sum(m.dead for m in self.maps)

    def summary(self) -> str:
        return f"{self.dead_count} of {len(self.maps)} filters dead"
