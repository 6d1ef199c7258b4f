"""Training crops with augmentation: ONE affine matrix per crop moves the image, the box and the outline together.

Why one matrix: shift, scale, aspect stretch, rotation and flip are all choices of the crop geometry in
:mod:`core.crop` (centre, size, angle, flip), and a source's own transform (still-image pairs) composes in front of
it, so the pixels are sampled once (no double interpolation, no lost corners) and the target box is computed
from the same matrix as the pixels. Photometric changes (colour, grayscale, blur) come after the warp, on the
small crop only.

Every random draw happens in a fixed order whatever the settings, so turning one knob off does not reshuffle the
others for the same generator.
"""
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from core.crop import crop_matrix, transform_points, warp
from core.errors import TrackingError


@dataclass
class AugmentConfig:
    """Augmentation of one crop (template or search). All zero: a plain centred crop."""

    shift: float = 0.0  # max displacement of the target centre, crop pixels, uniform per axis
    scale: float = 0.0  # max relative change of the object's size in the crop: factor in [1/(1+s), 1+s]
    stretch: float = 0.0  # max relative aspect change (independent x/y scales), factor in [1/(1+s), 1+s]
    rotation: float = 0.0  # max |angle| in degrees, uniform in [-r, r]; off by default (the `rotaug` baseline)
    flip: float = 0.0  # probability of a left-right mirror
    color: float = 0.0  # strength of brightness / contrast / saturation jitter; 1.0 = +-32 levels, +-30 %
    gray: float = 0.0  # probability of converting the crop to grayscale (kept as 3 channels)
    blur: float = 0.0  # probability of a Gaussian blur with sigma in [0.5, 2.0] crop pixels

    def __post_init__(self):
        for name in ("shift", "scale", "stretch", "rotation", "color"):
            if getattr(self, name) < 0:
                raise TrackingError(f"augment.{name}: expected a value >= 0, got {getattr(self, name)}")
        for name in ("flip", "gray", "blur"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise TrackingError(f"augment.{name}: expected a probability in [0, 1], got {getattr(self, name)}")


@dataclass
class FrameView:
    """An image with its target, as a pair source hands it over for cropping.

    ``box`` (x, y, w, h) and ``polygon`` ((4, 2) object outline, e.g. a rotated rectangle; None when only the box
    is known) are in *view* coordinates: the image's own coordinates, or, when ``matrix`` is given, the
    coordinates after that 2x3 image-to-view map (a still-image pair's transformed copy). The crop composes
    ``matrix`` into its own, so the image is never warped twice.
    """

    image: np.ndarray
    box: np.ndarray
    polygon: Optional[np.ndarray] = None
    matrix: Optional[np.ndarray] = None


@dataclass
class Crop:
    """An augmented crop: the image, the target box in crop pixels, and the rotation applied (degrees,
    counter-clockwise on screen, the :mod:`core.crop` convention)."""

    image: np.ndarray
    box: np.ndarray
    angle: float


def object_size(box, polygon=None) -> np.ndarray:
    """The object's own width and height: from the outline's side lengths when there is one (so a rotated
    object keeps its size, instead of growing to its axis-aligned box), else the box's."""
    if polygon is None:
        return np.asarray(box, dtype=np.float64).reshape(4)[2:]
    p = np.asarray(polygon, dtype=np.float64).reshape(4, 2)
    side = np.linalg.norm(np.roll(p, -1, axis=0) - p, axis=1)  # p0p1, p1p2, p2p3, p3p0
    return np.array([(side[0] + side[2]) / 2.0, (side[1] + side[3]) / 2.0])


def context_side(size, context: float) -> float:
    """SiamFC's exemplar side: ``sqrt((w + p)(h + p))`` with ``p = context * (w + h)``."""
    w, h = (float(v) for v in size)
    p = context * (w + h)
    return float(np.sqrt((w + p) * (h + p)))


def _outline(view: FrameView) -> np.ndarray:
    if view.polygon is not None:
        return np.asarray(view.polygon, dtype=np.float64).reshape(4, 2)
    x, y, w, h = np.asarray(view.box, dtype=np.float64).reshape(4)
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])


def _log_uniform(rng, spread: float) -> float:
    """A factor in ``[1/(1+spread), 1+spread]``, symmetric in log scale (always one draw)."""
    return float(np.exp(rng.uniform(-1.0, 1.0) * np.log1p(spread)))


def _compose(outer, inner) -> np.ndarray:
    """``outer o inner`` for 2x3 affine matrices."""
    a = np.vstack([np.asarray(outer, dtype=np.float64), [0.0, 0.0, 1.0]])
    b = np.vstack([np.asarray(inner, dtype=np.float64), [0.0, 0.0, 1.0]])
    return (a @ b)[:2]


def augmented_crop(view: FrameView, side: float, out_size: int, cfg: AugmentConfig, rng) -> Crop:
    """Crop the square region of ``side`` view pixels around the target into ``out_size`` pixels, augmented.

    The target centre lands at the crop centre plus the shift; the object's size in the crop is
    ``out_size / side`` times its size in the view, times the scale factor.
    """
    shift = rng.uniform(-1.0, 1.0, size=2) * cfg.shift
    scale = _log_uniform(rng, cfg.scale)
    stretch = _log_uniform(rng, cfg.stretch)
    angle = float(rng.uniform(-1.0, 1.0) * cfg.rotation)
    flip = bool(rng.random() < cfg.flip)
    color = rng.uniform(-1.0, 1.0, size=3) * cfg.color
    gray = bool(rng.random() < cfg.gray)
    blur = bool(rng.random() < cfg.blur)
    sigma = float(rng.uniform(0.5, 2.0))

    outline = _outline(view)
    x, y, w, h = np.asarray(view.box, dtype=np.float64).reshape(4)
    region = np.array([stretch, 1.0 / stretch]) * (side / scale)
    matrix = crop_matrix((x + w / 2.0, y + h / 2.0), region, out_size, angle=angle, flip=flip)
    matrix[:, 2] += shift
    full = matrix if view.matrix is None else _compose(matrix, view.matrix)
    # padding with the image's mean colour (warp's default), computed by OpenCV: ~50x faster than NumPy's
    image = warp(view.image, full, out_size, pad_color=cv2.mean(view.image)[:3])

    pts = transform_points(matrix, outline)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    box = np.array([lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]], dtype=np.float32)
    return Crop(image=_photometric(image, color, gray, blur, sigma), box=box, angle=angle)


def _photometric(image: np.ndarray, color, gray: bool, blur: bool, sigma: float) -> np.ndarray:
    """Colour jitter, grayscale and blur on a BGR uint8 crop.

    The jitter is saturation ``S`` (blend with the luma), then contrast ``C`` about the mean luma, then
    brightness ``B``: ``C*S*img + C*(1-S)*luma + (1-C)*mean + B``, done as one saturating OpenCV blend."""
    brightness, contrast, saturation = color
    if brightness or contrast or saturation:
        luma = cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
        s, c = 1.0 + 0.3 * saturation, 1.0 + 0.3 * contrast
        offset = (1.0 - c) * cv2.mean(luma)[0] + 32.0 * brightness
        image = cv2.addWeighted(image, c * s, luma, c * (1.0 - s), offset)
    if gray:
        image = cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    if blur:
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    return image
