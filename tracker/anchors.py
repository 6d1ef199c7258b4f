"""SiamRPN anchors and the box encoding of the regression branch.

Anchors live in search-crop pixels as offsets ``(cx, cy, w, h)`` from the crop centre, ordered anchor shape
first, then row, then column: the order of the head's channels ``(component * k + anchor)`` flattened over the
score map. Encoding (Faster R-CNN's): ``dx = (cx - acx) / aw``, ``dy = (cy - acy) / ah``, ``dw = log(w / aw)``,
``dh = log(h / ah)``.
"""
import numpy as np


def anchor_shapes(stride: int, ratios, scales) -> np.ndarray:
    """``(k, 2)`` anchor widths and heights: area ``(stride * scale)^2`` at each height/width ratio, with
    pysot's integer rounding of the base shape (so trained pysot-style heads see the same anchors)."""
    shapes = []
    for ratio in ratios:
        ws = int(np.sqrt(stride * stride / ratio))
        hs = int(ws * ratio)
        for scale in scales:
            shapes.append((ws * scale, hs * scale))
    return np.array(shapes, dtype=np.float64)


def generate_anchors(stride: int, ratios, scales, score_size: int) -> np.ndarray:
    """``(k * S * S, 4)`` anchors ``(cx, cy, w, h)`` on the ``S x S`` score map, centred on the crop centre."""
    shapes = anchor_shapes(stride, ratios, scales)
    offsets = (np.arange(score_size) - score_size // 2) * stride
    cy, cx = np.meshgrid(offsets, offsets, indexing="ij")
    k, cells = len(shapes), score_size * score_size
    anchors = np.zeros((k, cells, 4))
    anchors[:, :, 0] = cx.reshape(-1)
    anchors[:, :, 1] = cy.reshape(-1)
    anchors[:, :, 2:] = shapes[:, None, :]
    return anchors.reshape(-1, 4)


def decode(deltas: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Boxes ``(N, 4)`` ``(cx, cy, w, h)`` from regression outputs ``(N, 4)`` and their anchors."""
    out = np.empty_like(anchors)
    out[:, 0] = deltas[:, 0] * anchors[:, 2] + anchors[:, 0]
    out[:, 1] = deltas[:, 1] * anchors[:, 3] + anchors[:, 1]
    out[:, 2] = np.exp(deltas[:, 2]) * anchors[:, 2]
    out[:, 3] = np.exp(deltas[:, 3]) * anchors[:, 3]
    return out


def encode(boxes: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Regression targets ``(N, 4)`` taking ``anchors`` to ``boxes`` (both ``(cx, cy, w, h)``)."""
    boxes = np.broadcast_to(np.asarray(boxes, dtype=np.float64), anchors.shape)
    return np.stack([(boxes[:, 0] - anchors[:, 0]) / anchors[:, 2],
                     (boxes[:, 1] - anchors[:, 1]) / anchors[:, 3],
                     np.log(boxes[:, 2] / anchors[:, 2]),
                     np.log(boxes[:, 3] / anchors[:, 3])], axis=1)


def flatten_head(cls, loc, anchors: int) -> tuple:
    """One sample's head outputs ``cls (2k, S, S)``, ``loc (4k, S, S)`` as foreground logits against background
    ``(k*S*S, 2)`` and deltas ``(k*S*S, 4)``, in the anchors' order."""
    cls = np.asarray(cls).reshape(2, anchors, -1).reshape(2, -1).T
    loc = np.asarray(loc).reshape(4, anchors, -1).reshape(4, -1).T
    return cls, loc
