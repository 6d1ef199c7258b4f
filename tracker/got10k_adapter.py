"""Any of our trackers as a ``got10k.trackers.Tracker``, so the got10k experiments can run it.

got10k hands the tracker PIL images in RGB and the first box exactly as its dataset files store it: OTB boxes stay
1-based (``ExperimentOTB`` does not convert), GOT-10k and LaSOT boxes are used as stored; its IoU and centre-error
metrics are offset-free, so results only need to come back in the same convention as the input. With
``one_based=True`` the adapter subtracts 1 from x, y on the way in (our trackers are 0-based) and adds it back on
the way out; with the default ``False`` boxes pass through unchanged.
"""
import numpy as np
from got10k.trackers import Tracker as Got10kTracker

_OFFSET = np.array([1.0, 1.0, 0.0, 0.0])


class Got10kAdapter(Got10kTracker):
    def __init__(self, tracker, name: str | None = None, one_based: bool = False):
        super().__init__(name=name or tracker.name, is_deterministic=tracker.deterministic)
        self.tracker = tracker
        self.offset = _OFFSET if one_based else np.zeros(4)

    @staticmethod
    def _bgr(image) -> np.ndarray:
        rgb = np.asarray(image.convert("RGB") if hasattr(image, "convert") else image)
        return np.ascontiguousarray(rgb[:, :, ::-1])

    def init(self, image, box):
        self.tracker.init(self._bgr(image), np.asarray(box, dtype=np.float64) - self.offset)

    def update(self, image):
        return self.tracker.update(self._bgr(image)) + self.offset
