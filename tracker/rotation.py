"""In-plane rotation search of IEN trackers: which template orientations to try each frame.

An IEN layer satisfies ``f(T_g x) ~ T_g f(x)``, so the features of the template turned by ``k`` steps of
``360/N`` degrees can be computed from the cached template features alone (:mod:`tracker.template_rotation`
does that on the network side, once at ``init``), and correlating the search features with each of them tells
which orientation fits best, without re-encoding any image. This module is the tracker side: the configuration,
the choice of steps around the last angle, the turned templates a Siamese tracker keeps (:class:`TurnedTemplates`)
and the state it reports for a turned target (:func:`turned_state`). It needs no network library, so the
onnxruntime backend uses it as is.
"""
from dataclasses import dataclass
from typing import Optional

from core.boxes import polygon_to_box
from core.errors import TrackingError
from tracker.base import TrackState
from tracker.geometry import rotated_corners


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


class TurnedTemplates:
    """What a Siamese tracker's rotation search keeps: the ``template`` part's output (each correlation level with
    one template per rotation step stacked on the batch axis, ``order`` of them; 1 without rotation search) and
    the step chosen last, around which the next frame searches."""

    def __init__(self, order: int, cfg: RotationConfig, where: str = "tracker.rotation"):
        self.steps = RotationSteps(order, cfg.window, where) if cfg.enabled else None
        self.templates, self.step = (), 0

    def start(self, templates) -> None:
        """Keep the template part's outputs of the first frame; the target starts upright."""
        self.templates, self.step = tuple(templates), 0

    def candidates(self) -> list:
        """The steps to try this frame (just 0 without rotation search)."""
        return [0] if self.steps is None else self.steps.candidates(self.step)

    def template(self, k: int) -> list:
        """The template levels turned by step ``k``, batch 1 each: the head's template inputs."""
        return [t[k:k + 1] for t in self.templates]

    def choose(self, k: int) -> Optional[float]:
        """Keep step ``k`` as the target's orientation; its angle in degrees (None without rotation search)."""
        if self.steps is None:
            return None
        self.step = k
        return self.steps.angle(k)


def turned_state(center, size, score: float, angle: float) -> TrackState:
    """The state of a target of its own (upright) ``size`` turned by ``angle`` degrees: the turned rectangle's
    corners and the axis-aligned box around them, the box benchmarks score."""
    corners = rotated_corners(center, size, angle)
    return TrackState(box=polygon_to_box(corners.reshape(1, 8))[0], score=score, angle=angle, corners=corners)
