"""The one tracker interface of the toolkit.

Images are BGR uint8 arrays as OpenCV reads them; boxes are ``x, y, w, h`` 0-based floats. ``update`` returns
the box (and, if asked, the confidence score); the full per-frame state, with the rotation estimate of trackers
that have one, is kept in ``tracker.state``.
"""
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Optional

import numpy as np

from core.boxes import polygon_to_area_box


@dataclass
class TrackState:
    """What a tracker knows after a frame: the box, a confidence, and optionally the in-plane rotation
    (degrees, counter-clockwise in image coordinates) with the rotated box's four corners ``(4, 2)``."""

    box: np.ndarray
    score: float = 1.0
    angle: Optional[float] = None
    corners: Optional[np.ndarray] = None


class Tracker(ABC):
    """Base class: subclasses implement :meth:`initialize` and :meth:`step`."""

    #: a name for result folders and reports
    name: str = "tracker"
    #: True when two runs on the same frames give the same boxes (GOT-10k then runs it once, not 3 times)
    deterministic: bool = True

    def __init__(self):
        self.state: Optional[TrackState] = None

    def init(self, image: np.ndarray, box) -> None:
        """Start tracking the object in ``box`` (x, y, w, h, 0-based) on ``image``."""
        box = np.asarray(box, dtype=np.float64).reshape(4)
        self.initialize(image, box)
        self.state = TrackState(box=box.copy(), score=1.0)

    def update(self, image: np.ndarray, return_score: bool = False):
        """Track into the next frame; returns the box, or ``(box, score)`` with ``return_score``."""
        self.state = self.step(image)
        box = np.asarray(self.state.box, dtype=np.float64).reshape(4)
        return (box, float(self.state.score)) if return_score else box

    def track(self, frames, box, progress: bool = False):
        """Run over ``frames`` (images or an indexable of images); returns ``(N, 4)`` boxes, scores and the
        seconds spent per frame. The first box is the given one."""
        import time

        n = len(frames)
        boxes = np.zeros((n, 4))
        scores = np.ones(n)
        times = np.zeros(n)
        for i in range(n):
            image = frames[i]
            start = time.perf_counter()
            if i == 0:
                self.init(image, box)
                boxes[0] = np.asarray(box, dtype=np.float64)
            else:
                boxes[i], scores[i] = self.update(image, return_score=True)
            times[i] = time.perf_counter() - start
        return boxes, scores, times

    @abstractmethod
    def initialize(self, image: np.ndarray, box: np.ndarray) -> None:
        """Set up on the first frame."""

    @abstractmethod
    def step(self, image: np.ndarray) -> TrackState:
        """Track one frame and return the new state."""


class CropTracker(Tracker):
    """A tracker that crops around the target (the Siamese and DCF trackers): it starts on a box or on a polygon
    of 8 values, which becomes the axis-aligned box of the same centre and area (pysot's rule for VOT ground
    truth), and pads every crop outside the image with the first frame's mean colour (as SiamFC and pysot do:
    one mean per sequence, not per frame)."""

    pad_color: Optional[np.ndarray] = None

    def init(self, image: np.ndarray, box) -> None:
        values = np.asarray(box, dtype=np.float64).reshape(-1)
        if values.size == 8:
            values = polygon_to_area_box(values)
        self.pad_color = image.reshape(-1, image.shape[-1]).mean(axis=0)
        super().init(image, values)
