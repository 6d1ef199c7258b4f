"""Affine crop geometry shared by the trackers (template/search crops) and training (crops with augmentation).

Coordinates are continuous: pixel ``i`` covers ``[i, i+1)``, so a box ``x, y, w, h`` has its centre at
``(x + w/2, y + h/2)``. A crop is a 2x3 matrix ``M`` mapping source points to crop points,
``dst = A (src - centre) + out/2`` with ``A = (out/size) * R(angle) * F``; composing shift, scale, rotation and
flip is just choosing ``centre``, ``size``, ``angle`` and ``flip``, and boxes or polygons follow the image exactly
because both go through the same matrix. OpenCV samples at pixel centres (pixel ``i`` at ``i``), so :func:`warp`
converts with a half-pixel shift in one place.

``angle`` is in degrees, counter-clockwise as seen on screen (OpenCV's ``getRotationMatrix2D`` convention): the
crop shows the content turned by ``angle``.
"""
import cv2
import numpy as np


def crop_matrix(center, size, out_size, angle: float = 0.0, flip: bool = False) -> np.ndarray:
    """Matrix taking the square (or ``(w, h)``) region of side ``size`` centred at ``center`` to an
    ``out_size`` crop, rotated by ``angle`` degrees and mirrored left-right if ``flip``."""
    sx, sy = np.broadcast_to(np.asarray(size, dtype=np.float64), (2,))
    ox, oy = np.broadcast_to(np.asarray(out_size, dtype=np.float64), (2,))
    t = np.deg2rad(angle)
    rot = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])
    scale = np.diag([ox / sx, oy / sy])
    lin = rot @ scale
    if flip:
        lin = np.diag([-1.0, 1.0]) @ lin
    c = np.asarray(center, dtype=np.float64).reshape(2)
    offset = np.array([ox / 2.0, oy / 2.0]) - lin @ c
    return np.concatenate([lin, offset[:, None]], axis=1)


def invert(matrix) -> np.ndarray:
    """The inverse affine map (crop points back to source points)."""
    return cv2.invertAffineTransform(np.asarray(matrix, dtype=np.float64))


def transform_points(matrix, points) -> np.ndarray:
    """Apply ``matrix`` to ``(N, 2)`` points."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    m = np.asarray(matrix, dtype=np.float64)
    return pts @ m[:, :2].T + m[:, 2]


def transform_box(matrix, box) -> np.ndarray:
    """Axis-aligned bounding box ``x, y, w, h`` of a box's four corners after ``matrix``."""
    x, y, w, h = np.asarray(box, dtype=np.float64).reshape(4)
    corners = transform_points(matrix, [[x, y], [x + w, y], [x + w, y + h], [x, y + h]])
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    return np.array([lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]])


def warp(image: np.ndarray, matrix, out_size, pad_color=None) -> np.ndarray:
    """Sample the crop defined by ``matrix`` (bilinear), padding outside the image with ``pad_color``
    (default: the image's mean colour, as SiamFC and SiamRPN do)."""
    ox, oy = (int(v) for v in np.broadcast_to(np.asarray(out_size), (2,)))
    if pad_color is None:
        pad_color = cv2.mean(image)[: image.shape[-1] if image.ndim == 3 else 1]
    m = np.asarray(matrix, dtype=np.float64).copy()
    # continuous -> pixel-centre coordinates on both sides: dst_c - 0.5 = M (src_c) with src_c = src_px + 0.5
    m[:, 2] += m[:, :2] @ np.array([0.5, 0.5]) - 0.5
    border = tuple(float(v) for v in np.atleast_1d(pad_color))
    return cv2.warpAffine(image, m, (ox, oy), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=border)
