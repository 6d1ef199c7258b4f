"""Crop and window geometry shared by the Siamese trackers (the affine crop itself lives in core.crop)."""
import numpy as np

from core.crop import crop_matrix, warp


def context_side(size, context: float):
    """Side of the square exemplar region around a target of ``size`` (w, h): ``sqrt((w + p)(h + p))`` with
    ``p = context * (w + h)`` (SiamFC/SiamRPN's context margin, area-preserving for any aspect ratio). ``w`` and
    ``h`` may be arrays (many candidate sizes at once): the result then has their shape."""
    w, h = (np.asarray(v, dtype=np.float64) for v in size)
    pad = context * (w + h)
    side = np.sqrt((w + pad) * (h + pad))
    return float(side) if side.ndim == 0 else side


def square_crop(image: np.ndarray, center, side: float, out_size: int, pad_color) -> np.ndarray:
    """The square region of ``side`` pixels centred at ``center`` resampled to ``out_size``, padded with
    ``pad_color`` outside the image."""
    return warp(image, crop_matrix(center, side, out_size), out_size, pad_color)


def cosine_window(size: int) -> np.ndarray:
    """Hann window ``(size, size)`` normalised to sum 1 (the motion prior of both trackers)."""
    hann = np.hanning(size)
    window = np.outer(hann, hann)
    return window / window.sum()


def rotated_corners(center, size, angle: float) -> np.ndarray:
    """Corners ``(4, 2)`` (clockwise from the top-left before rotation) of a ``size`` rectangle at ``center``
    turned by ``angle`` degrees counter-clockwise on screen (the sense of core.crop and TrackState)."""
    w, h = (float(v) for v in size)
    t = np.deg2rad(angle)
    c, s = np.cos(t), np.sin(t)
    offsets = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2.0
    # y points down, so counter-clockwise on screen is (x, y) -> (x c + y s, -x s + y c)
    rot = np.array([[c, s], [-s, c]])
    return offsets @ rot.T + np.asarray(center, dtype=np.float64)
