"""The scale search SiamFC and the DCF tracker share: an odd number of scales around the current size in steps
of ``scale_step``, a penalty on every scale but the middle one, and a size that follows the chosen scale with a
learning rate, kept within ``[min_scale, max_scale]`` times its initial value."""
import numpy as np

from core.errors import TrackingError


class ScaleSearch:
    """``factors`` (the tried scales), ``penalties`` (their multipliers) and ``follow`` (the size update)."""

    def __init__(self, cfg, where: str = "tracker"):
        """``cfg`` has ``scale_num``, ``scale_step``, ``scale_penalty``, ``scale_lr``, ``min_scale``, ``max_scale``."""
        if cfg.scale_num < 1 or cfg.scale_num % 2 == 0:
            raise TrackingError(f"{where}.scale_num: expected an odd number >= 1, got {cfg.scale_num}")
        if not 0 <= cfg.scale_lr <= 1:
            raise TrackingError(f"{where}.scale_lr: must lie in [0, 1], got {cfg.scale_lr}")
        if not 0 < cfg.min_scale <= 1 <= cfg.max_scale:
            raise TrackingError(f"{where}: need 0 < min_scale <= 1 <= max_scale")
        n = cfg.scale_num
        self.factors = cfg.scale_step ** (np.arange(n) - n // 2)
        self.penalties = np.where(np.arange(n) == n // 2, 1.0, cfg.scale_penalty)
        self.lr, self.low, self.high = cfg.scale_lr, cfg.min_scale, cfg.max_scale

    def follow(self, scale: float, index: int) -> float:
        """The size scale after choosing scale ``index``: a step of ``scale_lr`` towards it, clipped."""
        factor = self.factors[index]
        return float(np.clip(scale * ((1 - self.lr) + self.lr * factor), self.low, self.high))
