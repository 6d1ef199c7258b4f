"""In-plane rotation search of IEN trackers: which template orientations to try each frame.

An IEN layer satisfies ``f(T_g x) ~ T_g f(x)``, so the features of the template turned by ``k`` steps of
``360/N`` degrees can be computed from the cached template features alone (:mod:`tracker.template_rotation`
does that on the network side, once at ``init``), and correlating the search features with each of them tells
which orientation fits best, without re-encoding any image. This module is the tracker side: the configuration
and the choice of steps around the last angle. It needs no network library, so the onnxruntime backend uses it
as is.
"""
from dataclasses import dataclass
from typing import Optional

from core.errors import TrackingError


@dataclass
class RotationConfig:
    """``enabled``: estimate the rotation (needs IEN groups at every correlated level); ``order``: N, the
    angle step is ``360/N`` degrees (default: the largest group order); ``window``: steps searched either side
    of the last angle each frame."""

    enabled: bool = False
    order: Optional[int] = None
    window: int = 1


class RotationSteps:
    """The ``order`` rotation steps of ``360/order`` degrees and the ``window`` searched around the last one."""

    def __init__(self, order: int, window: int, where: str = "tracker.rotation"):
        if window < 0:
            raise TrackingError(f"{where}.window: must be >= 0, got {window}")
        self.order = int(order)
        self.window = min(int(window), self.order // 2)

    def angle(self, k: int) -> float:
        return 360.0 * k / self.order

    def candidates(self, last: int) -> list:
        """Steps to try around the last one (each once, modulo N)."""
        return sorted({(last + d) % self.order for d in range(-self.window, self.window + 1)})
