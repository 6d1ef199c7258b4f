"""OpenCV's CSRT, KCF and MIL trackers behind the toolkit's :class:`~tracker.base.Tracker` interface.

Why: they are the classical baselines users compare against, and wrapping them lets every tool (benchmarks,
demo) run them by name (``--tracker csrt``) exactly like our Siamese trackers.

OpenCV's tracker API (``cv2.TrackerCSRT_create`` and friends, OpenCV >= 4.5.1 with the contrib modules) takes and
returns integer ``cv::Rect`` boxes (the ``cv2.legacy`` API takes floats but still returns whole-pixel values, so
it buys nothing). A rect's ``x`` is a pixel index, which in our continuous convention (pixel ``i`` covers
``[i, i+1)``) is the same number, so converting is rounding the corners. None of these trackers report a usable
confidence (``getTrackingScore`` is -1 in OpenCV 5.1), so the score is 1 while tracking and 0 when OpenCV reports
the target lost; a lost target keeps its last box.
"""
import cv2
import numpy as np

from core.errors import TrackingError
from tracker.base import Tracker, TrackState


def box_to_rect(box, image_shape) -> tuple:
    """Round a 0-based float ``x, y, w, h`` box to the integer rect OpenCV wants, clipped to the image.

    Clipping matters because CSRT and KCF fail on patches that leave the image; a box with nothing inside the
    image cannot be tracked at all and is a :class:`TrackingError`.
    """
    x, y, w, h = (float(v) for v in np.asarray(box, dtype=np.float64).reshape(4))
    height, width = image_shape[:2]
    x1, y1 = max(0, round(x)), max(0, round(y))
    x2, y2 = min(width, round(x + w)), min(height, round(y + h))
    if not np.isfinite([x, y, w, h]).all() or x2 <= x1 or y2 <= y1:
        raise TrackingError(
            f"initial box {x:g},{y:g},{w:g},{h:g} has no pixels inside the {width}x{height} image "
            "(expected x, y, w, h with w, h > 0, 0-based, overlapping the image)"
        )
    return x1, y1, x2 - x1, y2 - y1


class OpenCVTracker(Tracker):
    """Adapter from one OpenCV tracker constructor to :class:`Tracker`."""

    def __init__(self, name: str, create, deterministic: bool):
        super().__init__()
        self.name = name
        self.deterministic = deterministic
        self._create = create
        self._cv_tracker = None
        self._last_box = None

    def initialize(self, image: np.ndarray, box: np.ndarray) -> None:
        # A fresh OpenCV object per init: re-initialising an existing one keeps state in some versions.
        self._cv_tracker = self._create()
        self._cv_tracker.init(image, box_to_rect(box, image.shape))
        self._last_box = np.asarray(box, dtype=np.float64).copy()

    def step(self, image: np.ndarray) -> TrackState:
        ok, rect = self._cv_tracker.update(image)
        if not ok:
            return TrackState(box=self._last_box.copy(), score=0.0)
        self._last_box = np.asarray(rect, dtype=np.float64).reshape(4)
        return TrackState(box=self._last_box.copy(), score=1.0)


def _constructor(name: str):
    """``cv2.Tracker<NAME>_create``, or a :class:`TrackingError` saying which package provides it."""
    create = getattr(cv2, f"Tracker{name}_create", None)
    if create is None:
        raise TrackingError(
            f"OpenCV {cv2.__version__} has no cv2.Tracker{name}_create; the {name} baseline needs "
            "opencv-contrib-python >= 4.5.1"
        )
    return create


def make_csrt() -> OpenCVTracker:
    """CSRT (discriminative correlation filter with channel and spatial reliability); deterministic."""
    return OpenCVTracker("csrt", _constructor("CSRT"), deterministic=True)


def make_kcf() -> OpenCVTracker:
    """KCF (kernelized correlation filter, fixed scale); deterministic."""
    return OpenCVTracker("kcf", _constructor("KCF"), deterministic=True)


def make_mil() -> OpenCVTracker:
    """MIL (multiple-instance learning); its samples are drawn from OpenCV's random generator, so two runs on
    the same frames differ and GOT-10k's protocol runs it three times."""
    return OpenCVTracker("mil", _constructor("MIL"), deterministic=False)
