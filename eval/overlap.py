"""Per-frame overlap and distance measures between predicted and ground-truth regions.

Why three overlaps: the one-pass benchmarks (OTB, LaSOT, UAV, GOT-10k) use the continuous rectangle IoU of
the got10k package and pysot-toolkit; polygon ground truth can be compared exactly with shapely; but the VOT
accuracy and EAO numbers people publish come from the VOT toolkit's *rasterised* overlap (pixels of the two
polygons counted on an integer grid inside the image), which differs from the exact area by up to a few
percent on small targets. :func:`vot_overlap` reproduces that rasterisation in NumPy, so no compiled extension
is needed.

All functions take arrays of shape ``(N, 4)`` (``x, y, w, h``) or ``(N, 8)`` polygons and return ``(N,)``.
"""
import numpy as np
import shapely

from core.boxes import as_boxes, box_to_polygon


def rect_iou(boxes_a, boxes_b) -> np.ndarray:
    """Intersection over union of axis-aligned boxes, row by row (continuous coordinates, as got10k and
    pysot-toolkit). A zero union gives 0."""
    a, b = as_boxes(boxes_a), as_boxes(boxes_b)
    if a.shape != b.shape:
        raise ValueError(f"rect_iou needs equal shapes, got {a.shape} and {b.shape}")
    iw = np.maximum(np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0.0)
    ih = np.maximum(np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0.0)
    inter = iw * ih
    return _iou(inter, a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter)


def _iou(inter, union) -> np.ndarray:
    """``inter / union`` in [0, 1]; a zero union (two empty regions) or a NaN gives 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / union, 0.0)
    return np.clip(np.nan_to_num(iou, nan=0.0), 0.0, 1.0)


def centers(boxes) -> np.ndarray:
    """Box centres with the OTB convention ``x + (w - 1) / 2`` (pixel indices, MATLAB heritage); every
    reference toolkit (OTB, got10k, pysot-toolkit, LaSOT) measures centre error this way."""
    b = as_boxes(boxes)
    return b[:, :2] + (b[:, 2:] - 1.0) / 2.0


def center_error(boxes_a, boxes_b) -> np.ndarray:
    """Euclidean distance between OTB-convention centres, in pixels."""
    return np.sqrt(np.sum((centers(boxes_a) - centers(boxes_b)) ** 2, axis=1))


def normalized_center_error(pred, gt) -> np.ndarray:
    """Centre error with each axis divided by the ground-truth size (pysot-toolkit / TrackingNet): both centres
    are divided by ``gt_w, gt_h`` (plus 1e-16, as pysot) before the distance is taken."""
    g = as_boxes(gt)
    scale = g[:, 2:] + 1e-16
    return np.sqrt(np.sum(((centers(pred) - centers(g)) / scale) ** 2, axis=1))


def _as_shapes(regions):
    r = np.asarray(regions, dtype=np.float64)
    r = r.reshape(len(r), -1) if r.ndim > 1 else r.reshape(1, -1)
    if r.shape[1] == 4:
        r = box_to_polygon(r)
    if r.shape[1] != 8:
        raise ValueError(f"regions must have 4 (x, y, w, h) or 8 (polygon) values per row, got {r.shape[1]}")
    shapes = shapely.polygons(r.reshape(-1, 4, 2))
    # A self-crossing quadrilateral (a "bow tie", e.g. corners written in the wrong order) makes GEOS raise in
    # the intersection; made valid it is the two triangles it outlines, the pixels the VOT toolkit would fill.
    invalid = ~shapely.is_valid(shapes)
    if invalid.any():
        shapes[invalid] = shapely.make_valid(shapes[invalid])
    return shapes


def poly_iou(regions_a, regions_b, bound=None) -> np.ndarray:
    """Exact IoU of boxes or polygons (shapely areas), optionally after clipping both to the image
    ``bound = (width, height)`` as got10k's ``poly_iou`` does. Degenerate (zero-area) pairs give 0."""
    pa, pb = _as_shapes(regions_a), _as_shapes(regions_b)
    if bound is not None:
        frame = shapely.box(0.0, 0.0, float(bound[0]), float(bound[1]))
        pa, pb = shapely.intersection(pa, frame), shapely.intersection(pb, frame)
    inter = shapely.area(shapely.intersection(pa, pb))
    return _iou(inter, shapely.area(pa) + shapely.area(pb) - inter)


# ---- VOT toolkit rasterised overlap ---------------------------------------------------------------------


def _polygon_points(region) -> np.ndarray:
    """``(K, 2)`` float32 vertices; a 4-value region is the box with corners at ``x + w`` and ``y + h`` (pysot
    builds rectangles this way before calling the VOT region code)."""
    r = np.asarray(region, dtype=np.float64).reshape(-1)
    if r.size == 4:
        r = box_to_polygon(r)[0]
    return r.astype(np.float32).reshape(-1, 2)


def _raster_bounds(points: np.ndarray, image_bounds: np.ndarray) -> np.ndarray:
    """Bounding box ``(left, top, right, bottom)`` rounded outwards to whole pixels, then cut to the image."""
    lo, hi = np.floor(points.min(axis=0)), np.ceil(points.max(axis=0))
    box = np.array([lo[0], lo[1], hi[0], hi[1]], dtype=np.float32)
    return np.array([max(box[0], image_bounds[0]), max(box[1], image_bounds[1]),
                     min(box[2], image_bounds[2]), min(box[3], image_bounds[3])], dtype=np.float32)


def _rasterize(points: np.ndarray, width: int, height: int) -> np.ndarray:
    """Boolean ``(height, width)`` mask of a polygon with the VOT toolkit's scan-line rule: vertices rounded to
    integers; each row ``y`` collects the x-crossings (truncated to int) of every non-horizontal edge whose
    integer end points span ``y`` (inclusive); sorted crossings are paired left to right, a repeated crossing
    (a vertex on the row) is skipped once, and each pair fills the pixels between them *inclusive*, clipped to
    the grid. All rows are handled at once; the pairing loop runs at most ``K`` steps for ``K`` vertices."""
    v = points.astype(np.float64)
    pts = np.sign(v) * np.floor(np.abs(v) + 0.5)          # C round(): halves away from zero
    x, y = pts[:, 0], pts[:, 1]
    xj, yj = np.roll(x, 1), np.roll(y, 1)                 # edge (j, i) with j the previous vertex
    rows = np.arange(height, dtype=np.float64)[:, None]   # (H, 1)
    lo, hi = np.minimum(y, yj), np.maximum(y, yj)
    crosses = (y != yj) & (lo <= rows) & (rows <= hi)     # (H, K)
    with np.errstate(divide="ignore", invalid="ignore"):
        nodes = np.trunc(x + (rows - y) / (yj - y) * (xj - x))
    nodes = np.where(crosses, nodes, np.inf)
    nodes.sort(axis=1)
    count = crosses.sum(axis=1)
    k = nodes.shape[1]
    diff = np.zeros((height, width + 1), dtype=np.int32)
    pos = np.zeros(height, dtype=np.int64)
    active = count >= 2
    row_ids = np.arange(height)
    for _ in range(k):
        live = active & (pos < count - 1)
        if not live.any():
            break
        r = row_ids[live]
        p = pos[live]
        left = nodes[r, p]
        right = nodes[r, np.minimum(p + 1, k - 1)]
        repeat = left == right
        pos[r[repeat]] += 1
        go = ~repeat
        r, left, right = r[go], left[go], right[go]
        stop = left >= width
        active[r[stop]] = False
        fill = ~stop & (right >= 0)
        a = np.maximum(left[fill], 0).astype(np.int64)
        b = np.minimum(right[fill], width - 1).astype(np.int64)
        np.add.at(diff, (r[fill], a), 1)
        np.add.at(diff, (r[fill], b + 1), -1)
        pos[r[~stop]] += 2
    return np.cumsum(diff, axis=1)[:, :width] > 0


def vot_overlap_single(region_a, region_b, bound=None) -> float:
    """The VOT toolkit's overlap of two regions (boxes or polygons) counted in pixels, limited to the image
    ``bound = (right, bottom)`` (pysot-toolkit passes ``(width, height)`` for accuracy and ``(width - 1,
    height - 1)`` for EAO). Returns NaN when either region is a special code (a single value)."""
    ra, rb = np.asarray(region_a, dtype=np.float64).reshape(-1), np.asarray(region_b, dtype=np.float64).reshape(-1)
    if ra.size < 4 or rb.size < 4 or not (np.isfinite(ra).all() and np.isfinite(rb).all()):
        return float("nan")
    pa, pb = _polygon_points(ra), _polygon_points(rb)
    inf = np.float32(np.finfo(np.float32).max)
    image = (np.array([0, 0, bound[0], bound[1]], dtype=np.float32) if bound is not None
             else np.array([-inf, -inf, inf, inf], dtype=np.float32))
    b1, b2 = _raster_bounds(pa, image), _raster_bounds(pb, image)
    x0, y0 = min(b1[0], b2[0]), min(b1[1], b2[1])
    width = int(max(b1[2], b2[2]) - x0) + 1
    height = int(max(b1[3], b2[3]) - y0) + 1
    a1 = np.float64(b1[2] - b1[0]) * np.float64(b1[3] - b1[1])
    a2 = np.float64(b2[2] - b2[0]) * np.float64(b2[3] - b2[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        if a1 / a2 < 1e-10 or a2 / a1 < 1e-10 or width < 1 or height < 1:   # one region vanishes
            return 0.0
        # The toolkit's shortcut: bounding boxes that do not overlap (or only touch) score 0 without
        # rasterising, even where the inclusive fill would share a column.
        inter = (min(b1[2], b2[2]) - max(b1[0], b2[0])) * (min(b1[3], b2[3]) - max(b1[1], b2[1]))
        ratio = inter / (np.float32(a1) + np.float32(a2) - inter)
        if ratio <= 0:
            return 0.0
    offset = np.array([x0, y0], dtype=np.float32)
    m1 = _rasterize(pa - offset, width, height)
    m2 = _rasterize(pb - offset, width, height)
    inter = np.count_nonzero(m1 & m2)
    union = np.count_nonzero(m1 | m2)
    return float(np.float32(inter) / np.float32(union)) if union else float("nan")


def vot_overlaps(pred, gt, bound=None) -> np.ndarray:
    """:func:`vot_overlap_single` frame by frame; ``pred`` is a list of regions where a special code (a
    one-value entry: 1 init, 2 failure, 0 skipped) gives NaN."""
    return np.array([vot_overlap_single(p, g, bound) for p, g in zip(pred, gt)], dtype=np.float64)
