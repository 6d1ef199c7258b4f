"""Box geometry shared by loaders, trackers and metrics.

Conventions inside the project: a box is ``x, y, w, h`` in 0-based float pixels (top-left corner, width,
height); a polygon is ``x1, y1, ..., x4, y4``. Arrays of boxes are ``(N, 4)``. A box with a NaN or a
non-positive width or height is "invalid" (absent target) and is never treated as a real box.
"""
import numpy as np


def as_boxes(boxes) -> np.ndarray:
    """View anything box-like as a float64 ``(N, 4)`` array."""
    arr = np.asarray(boxes, dtype=np.float64)
    return arr.reshape(-1, 4)


def valid_mask(boxes) -> np.ndarray:
    """True where a box is finite with positive width and height."""
    b = as_boxes(boxes)
    return np.isfinite(b).all(axis=1) & (b[:, 2] > 0) & (b[:, 3] > 0)


def xywh_to_xyxy(boxes) -> np.ndarray:
    b = as_boxes(boxes)
    return np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], axis=1)


def xyxy_to_xywh(boxes) -> np.ndarray:
    b = as_boxes(boxes)
    return np.concatenate([b[:, :2], b[:, 2:] - b[:, :2]], axis=1)


def box_to_center(box):
    """``(cx, cy, w, h)`` of one 0-based box, the centre at ``x + w / 2`` (continuous coordinates)."""
    x, y, w, h = (float(v) for v in np.asarray(box, dtype=np.float64).reshape(4))
    return np.array([x + w / 2.0, y + h / 2.0]), np.array([w, h])


def center_to_box(center, size) -> np.ndarray:
    cx, cy = (float(v) for v in center)
    w, h = (float(v) for v in size)
    return np.array([cx - w / 2.0, cy - h / 2.0, w, h])


def polygon_to_box(polygons) -> np.ndarray:
    """Tight axis-aligned bounding boxes ``(N, 4)`` of ``(N, 8)`` polygons (NaN rows stay NaN)."""
    p = np.asarray(polygons, dtype=np.float64).reshape(-1, 8)
    xs, ys = p[:, 0::2], p[:, 1::2]
    x1, y1 = xs.min(axis=1), ys.min(axis=1)
    return np.stack([x1, y1, xs.max(axis=1) - x1, ys.max(axis=1) - y1], axis=1)


def polygon_to_area_box(polygon) -> np.ndarray:
    """pysot's initialisation rule for a polygon: the axis-aligned box with the polygon's centre and an area
    equal to the polygon's (scaled from its bounding box by ``sqrt(A_poly / A_bbox)``)."""
    p = np.asarray(polygon, dtype=np.float64).reshape(8)
    xs, ys = p[0::2], p[1::2]
    cx, cy = xs.mean(), ys.mean()
    x1, x2, y1, y2 = xs.min(), xs.max(), ys.min(), ys.max()
    a1 = np.linalg.norm(p[0:2] - p[2:4]) * np.linalg.norm(p[2:4] - p[4:6])
    a2 = (x2 - x1) * (y2 - y1)
    s = np.sqrt(a1 / a2) if a2 > 0 else 1.0
    w = s * (x2 - x1) + 1
    h = s * (y2 - y1) + 1
    return np.array([cx - w / 2.0, cy - h / 2.0, w, h])


def box_to_polygon(boxes) -> np.ndarray:
    """Corners of axis-aligned boxes as ``(N, 8)`` polygons, clockwise from the top-left."""
    b = as_boxes(boxes)
    x1, y1 = b[:, 0], b[:, 1]
    x2, y2 = x1 + b[:, 2], y1 + b[:, 3]
    return np.stack([x1, y1, x2, y1, x2, y2, x1, y2], axis=1)
