"""The common sequence type every loader returns and every other room consumes.

Frames are paths; images are decoded lazily with OpenCV (BGR uint8), so listing a benchmark reads no image.
Ground truth is ``(N, 4)`` boxes ``x, y, w, h`` (0-based float) or, for VOT, ``(N, 8)`` polygons.
"""
from dataclasses import dataclass, field
from typing import Optional

import cv2
import numpy as np

from core.boxes import polygon_to_box, valid_mask
from core.errors import TrackingError


@dataclass
class Sequence:
    """One annotated video.

    ``frames`` lists image paths in order; ``ground_truth`` has one row per annotated frame (may be fewer rows
    than frames only where the loader applies an official frame range, and then ``frames`` is cut to match).
    ``flags`` holds per-frame arrays named after the dataset's labels (``absent``, ``cover``, ``cut_by_image``,
    ``full_occlusion``, ``out_of_view``); ``tags`` holds VOT per-frame tags (``occlusion``, ``camera_motion``,
    ...); ``attributes`` holds sequence-level attribute names (OTB); ``meta`` anything else (GOT-10k
    ``meta_info.ini`` entries, LaSOT's nlp text).
    """

    name: str
    frames: list
    ground_truth: np.ndarray
    flags: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)
    attributes: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    _image_size: Optional[tuple] = None

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def is_polygon(self) -> bool:
        return self.ground_truth.ndim == 2 and self.ground_truth.shape[1] == 8

    @property
    def boxes(self) -> np.ndarray:
        """Axis-aligned ``(N, 4)`` ground truth (the bounding boxes of polygons)."""
        return polygon_to_box(self.ground_truth) if self.is_polygon else self.ground_truth

    @property
    def valid(self) -> np.ndarray:
        """Per-frame mask of usable ground truth: finite, positive size, and not flagged absent."""
        mask = valid_mask(self.boxes)
        if "absent" in self.flags:
            mask &= ~np.asarray(self.flags["absent"], dtype=bool)[: len(mask)]
        return mask

    def image(self, index: int) -> np.ndarray:
        """Decode frame ``index`` as a BGR uint8 array; an unreadable file is a :class:`TrackingError`."""
        path = self.frames[index]
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            raise TrackingError(f"{path}: cannot read image (missing, unreadable or not an image)")
        return img

    @property
    def image_size(self) -> tuple:
        """``(width, height)`` of the frames, read from the first image once and cached."""
        if self._image_size is None:
            h, w = self.image(0).shape[:2]
            self._image_size = (w, h)
        return self._image_size
