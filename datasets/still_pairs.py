"""Pairs without annotation: a random textured patch of an image is the template, an affine-transformed copy of
the same image the search frame, and the transform gives the search box exactly.

Why: still images and unannotated video frames are plentiful where annotated tracking data is not; the
transform (rotation, shear, aspect change) teaches matching under the deformations trackers meet. The transform
is handed to the crop as the view's matrix, so the image is warped once, together with the crop.
"""
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from core.crop import crop_matrix, transform_points
from core.errors import TrackingError
from datasets.augment import FrameView

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
# Patch draws before accepting a low-texture one: a handful find texture in ordinary images.
PATCH_ATTEMPTS = 10


@dataclass
class StillPairConfig:
    """The template patch and the search copy's transform."""

    min_size: float = 0.15  # patch side (geometric mean of w, h) as a fraction of the image's shorter side
    max_size: float = 0.5
    max_aspect: float = 2.0  # patch aspect in [1/a, a], log-uniform
    min_std: float = 8.0  # reject patches whose pixel standard deviation is below this (flat sky, walls)
    rotation: float = 15.0  # max |angle| of the search copy, degrees
    shear: float = 0.1  # max |shear| of the search copy
    stretch: float = 0.1  # max relative aspect change of the search copy

    def __post_init__(self):
        if not 0.0 < self.min_size <= self.max_size <= 1.0:
            raise TrackingError(f"still: expected 0 < min_size <= max_size <= 1, got {self.min_size}, "
                                f"{self.max_size}")
        if self.max_aspect < 1.0:
            raise TrackingError(f"still.max_aspect: expected >= 1, got {self.max_aspect}")


def image_paths(paths) -> list:
    """Image files from a list of files and folders (a folder contributes its images, sorted)."""
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise TrackingError(f"{p}: folder has no images ({', '.join(IMAGE_SUFFIXES)})")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise TrackingError(f"{p}: no such image file or folder")
    return out


class StillImageSource:
    """Pairs from still images or unannotated video frames (files or folders of them)."""

    def __init__(self, paths, weight: float = 1.0, config: StillPairConfig = StillPairConfig()):
        self.paths = image_paths(paths)
        if not self.paths:
            raise TrackingError("StillImageSource: no images given")
        self.weight = float(weight)
        self.config = config

    def __len__(self) -> int:
        return len(self.paths)

    def _image(self, k: int) -> np.ndarray:
        img = cv2.imread(str(self.paths[k]), cv2.IMREAD_COLOR)
        if img is None:
            raise TrackingError(f"{self.paths[k]}: cannot read image (missing, unreadable or not an image)")
        return img

    def _patch(self, rng, image: np.ndarray) -> np.ndarray:
        """A random box ``x, y, w, h`` inside the image, textured if one is found in a few draws."""
        c = self.config
        height, width = image.shape[:2]
        for _ in range(PATCH_ATTEMPTS):
            side = rng.uniform(c.min_size, c.max_size) * min(width, height)
            aspect = np.exp(rng.uniform(-1.0, 1.0) * np.log(c.max_aspect))
            w = min(side * np.sqrt(aspect), width - 1.0)
            h = min(side / np.sqrt(aspect), height - 1.0)
            x, y = rng.uniform(0, width - w), rng.uniform(0, height - h)
            region = image[int(y):int(y + h), int(x):int(x + w)]
            if region.size and float(region[::2, ::2].std()) >= c.min_std:
                break
        return np.array([x, y, w, h])

    def _transform(self, rng, box: np.ndarray) -> np.ndarray:
        """The search copy's map: rotation, shear and aspect change about the patch centre."""
        c = self.config
        angle = rng.uniform(-1.0, 1.0) * c.rotation
        shear = rng.uniform(-1.0, 1.0) * c.shear
        stretch = np.exp(rng.uniform(-1.0, 1.0) * np.log1p(c.stretch))
        rotation = crop_matrix((0.0, 0.0), 1.0, 1.0, angle=angle)[:, :2]  # the project's angle convention
        lin = rotation @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([stretch, 1.0 / stretch])
        centre = box[:2] + box[2:] / 2.0
        return np.concatenate([lin, (centre - lin @ centre)[:, None]], axis=1)

    def sample_pair(self, rng, cfg=None):
        """``(template view, search view, k)`` with ``k`` the image drawn; ``cfg`` (the PairConfig) is unused:
        the patch is chosen by this source's own config."""
        k = int(rng.integers(len(self)))
        image = self._image(k)
        box = self._patch(rng, image)
        matrix = self._transform(rng, box)
        x, y, w, h = box
        outline = transform_points(matrix, [[x, y], [x + w, y], [x + w, y + h], [x, y + h]])
        lo, hi = outline.min(axis=0), outline.max(axis=0)
        search_box = np.concatenate([lo, hi - lo])
        return FrameView(image, box), FrameView(image, search_box, outline, matrix), k

    def sample_view(self, rng, cfg=None, exclude=None):
        """A random patch of an image other than ``exclude`` (when there is another): a negative search."""
        k = int(rng.integers(len(self)))
        if k == exclude and len(self) > 1:
            k = (k + 1 + int(rng.integers(len(self) - 1))) % len(self)
        image = self._image(k)
        return FrameView(image, self._patch(rng, image))
