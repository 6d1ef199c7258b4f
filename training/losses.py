"""Task losses of the two tracker families, normalised per sample and then averaged over the batch.

Why per sample: a batch split over several processes must give the same gradient as the whole batch in one
process (DDP averages per-process means), which holds only when every sample carries the same weight whatever
its batch-mates are.
"""
import torch.nn.functional as F


def siamfc_loss(response, labels, weights):
    """Balanced logistic loss of a SiamFC response ``(B, 1, R, R)``; weights sum to 1 per sample."""
    per_cell = F.binary_cross_entropy_with_logits(response.float(), labels, reduction="none")
    return (per_cell * weights).flatten(1).sum(dim=1).mean()


def rpn_loss(cls, loc, labels, deltas):
    """SiamRPN++ classification and regression losses.

    ``cls (B, 2k, R, R)`` and ``loc (B, 4k, R, R)`` in the head's layout (channel ``c * k + a`` holds class or
    coordinate ``c`` of anchor ``a``, anchors then rows then columns, as the anchor list is ordered);
    ``labels (B, A)`` 1/0/-1 and ``deltas (B, A, 4)`` from :func:`training.targets.anchor_targets`.
    Classification: half the weight on the mean cross-entropy of the sampled positives, half on the negatives
    (all of it on negatives when there are no positives). Regression: L1 over the positives' four deltas,
    averaged over positives.
    """
    b = cls.shape[0]
    logits = cls.float().reshape(b, 2, -1).permute(0, 2, 1)  # (B, A, 2)
    pred = loc.float().reshape(b, 4, -1).permute(0, 2, 1)  # (B, A, 4)
    if logits.shape[1] != labels.shape[1]:
        raise ValueError(f"head has {logits.shape[1]} anchor positions, targets {labels.shape[1]}")
    log_p = F.log_softmax(logits, dim=-1)
    pos, neg = (labels == 1).float(), (labels == 0).float()
    n_pos, n_neg = pos.sum(1), neg.sum(1)
    pos_term = -(log_p[..., 1] * pos).sum(1) / n_pos.clamp(min=1)
    neg_term = -(log_p[..., 0] * neg).sum(1) / n_neg.clamp(min=1)
    has_pos = (n_pos > 0).float()
    cls_loss = (has_pos * 0.5 * (pos_term + neg_term) + (1 - has_pos) * neg_term).mean()
    l1 = (pred - deltas).abs().sum(-1)
    loc_loss = ((l1 * pos).sum(1) / n_pos.clamp(min=1)).mean()
    return cls_loss, loc_loss


def dcf_loss(response, label, positive):
    """DCFNet's loss: squared error between each response ``(B, 1, S, S)`` and the centred Gaussian ``label``
    ``(S, S)`` (all zeros for a negative pair), summed over the map and averaged over the batch."""
    target = label * positive.to(response.dtype).view(-1, 1, 1, 1)
    return (response - target).pow(2).sum(dim=(1, 2, 3)).mean()
