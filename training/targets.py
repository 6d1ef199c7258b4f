"""Training targets computed from the target box in the search crop.

Why from the box, not from a fixed centre: augmentation shifts the target away from the crop centre and the
transformed copies of ``rotaug``/``ien`` move it, so every label is derived from where the box really is.
Response cell ``k`` of ``R`` sits at search-crop point ``S/2 + (k - (R-1)/2) * stride`` (continuous coordinates,
as in :mod:`core.crop`), the convention the trackers decode with.

Random choices (which anchors to sample) use one generator per sample, seeded from that sample's seed, so the
targets of a sample do not depend on the batch it lands in or on the number of processes.
"""
import numpy as np
import torch


def cell_centers(response_size: int, search_size: float, stride: float) -> torch.Tensor:
    """Search-crop coordinates ``(R,)`` of the response cells along one axis."""
    k = torch.arange(response_size, dtype=torch.float32)
    return search_size / 2.0 + (k - (response_size - 1) / 2.0) * stride


def siamfc_labels(boxes, positive, response_size: int, search_size: float, stride: float, radius: float):
    """Labels and balancing weights ``(B, 1, R, R)`` for SiamFC's logistic loss.

    A cell is positive when it lies within ``radius`` pixels of the target centre (and the pair is positive).
    Positives and negatives each get half the weight of a sample, so the many negatives do not drown the few
    positives; a negative pair spreads all its weight over its negatives. Weights sum to 1 per sample.
    """
    boxes = torch.as_tensor(boxes, dtype=torch.float32)
    positive = torch.as_tensor(positive, dtype=torch.bool, device=boxes.device)
    centers = cell_centers(response_size, search_size, stride).to(boxes.device)
    cx = boxes[:, 0] + boxes[:, 2] / 2
    cy = boxes[:, 1] + boxes[:, 3] / 2
    dx = centers[None, None, :] - cx[:, None, None]
    dy = centers[None, :, None] - cy[:, None, None]
    labels = ((dx ** 2 + dy ** 2) <= radius ** 2) & positive[:, None, None]
    labels = labels.float()
    n_pos = labels.sum(dim=(1, 2), keepdim=True)
    n_neg = labels.numel() / labels.shape[0] - n_pos
    pos_w = torch.where(n_pos > 0, 0.5 / n_pos.clamp(min=1), torch.zeros_like(n_pos))
    neg_w = torch.where(n_pos > 0, 0.5, 1.0) / n_neg.clamp(min=1)
    weights = labels * pos_w + (1 - labels) * neg_w
    return labels[:, None], weights[:, None]


def box_iou(anchors_xyxy: torch.Tensor, boxes_xywh: torch.Tensor) -> torch.Tensor:
    """IoU ``(B, A)`` of ``A`` anchors (corners) with one box per sample (``x, y, w, h``), pixels as areas."""
    bx1, by1 = boxes_xywh[:, 0:1], boxes_xywh[:, 1:2]
    bx2, by2 = bx1 + boxes_xywh[:, 2:3], by1 + boxes_xywh[:, 3:4]
    ax1, ay1, ax2, ay2 = (anchors_xyxy[:, i][None] for i in range(4))
    iw = (torch.minimum(ax2, bx2) - torch.maximum(ax1, bx1)).clamp(min=0)
    ih = (torch.minimum(ay2, by2) - torch.maximum(ay1, by1)).clamp(min=0)
    inter = iw * ih
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    return inter / union.clamp(min=1e-12)


def anchor_targets(anchors, boxes, positive, seeds, search_size: float, pos_iou=0.6, neg_iou=0.3, pos_max=16,
                   total=64):
    """SiamRPN++ targets for ``A`` anchors ``(cx, cy, w, h)`` given as offsets from the search-crop centre in the
    head's order (:func:`tracker.anchors.generate_anchors`), and one box ``x, y, w, h`` per sample.

    Returns ``labels (B, A)`` with 1 for sampled positives, 0 for sampled negatives and -1 for ignored anchors,
    and ``deltas (B, A, 4)`` (:func:`tracker.anchors.encode`, the inverse of the tracker's decoding).
    Up to ``pos_max`` positives (IoU > ``pos_iou``) and negatives (IoU < ``neg_iou``) to fill ``total`` are drawn
    at random with each sample's own generator (``seeds``). A negative pair has no positives.
    """
    from tracker.anchors import encode

    anchors = torch.as_tensor(np.asarray(anchors), dtype=torch.float64)
    boxes = torch.as_tensor(boxes, dtype=torch.float64)
    positive = torch.as_tensor(positive, dtype=torch.bool)
    centred = torch.cat([boxes[:, :2] + boxes[:, 2:] / 2 - search_size / 2.0, boxes[:, 2:]], dim=1)
    iou = box_iou(torch.cat([anchors[:, :2] - anchors[:, 2:] / 2, anchors[:, :2] + anchors[:, 2:] / 2], dim=1),
                  torch.cat([centred[:, :2] - centred[:, 2:] / 2, centred[:, 2:]], dim=1))
    pos = (iou > pos_iou) & positive[:, None]
    neg = ~pos & ((iou < neg_iou) | ~positive[:, None])
    labels = torch.full(iou.shape, -1, dtype=torch.long)
    for b, seed in enumerate(seeds):
        gen = torch.Generator().manual_seed(int(seed))
        keys = torch.rand(iou.shape[1], generator=gen)
        chosen_pos = _pick(pos[b], keys, pos_max)
        chosen_neg = _pick(neg[b], keys, total - len(chosen_pos))
        labels[b, chosen_pos] = 1
        labels[b, chosen_neg] = 0
    sizes = centred[:, 2:].clamp(min=1e-3)
    deltas = np.stack([encode(np.concatenate([c[:2], s]), anchors.numpy())
                       for c, s in zip(centred.numpy(), sizes.numpy())])
    return labels, torch.as_tensor(deltas, dtype=torch.float32)


def _pick(mask, keys, count):
    """Indices of up to ``count`` entries of ``mask``, chosen by the smallest random keys."""
    idx = torch.nonzero(mask, as_tuple=False).flatten()
    if len(idx) <= count:
        return idx
    return idx[torch.argsort(keys[idx])[:count]]
