"""The loss of one batch in each training mode, as one ``nn.Module`` so that DDP wraps all of it.

Modes share this code so that comparisons are fair:

- ``plain``: the pairs as sampled;
- ``rotaug``: each pair plus a copy with template and search crops transformed by one group element ``g`` (and
  the target box moved with them), all in the task loss;
- ``ien``: the same doubled batch, plus ``beta * sum_l w_l E_l`` from
  :class:`models.equivariance.loss.EquivarianceLoss` on the template and on the search branch (originals and
  copies go through the backbone together, so BatchNorm shares statistics as in the official form).

Why a module: DDP synchronises gradients only for computation run through its ``forward``; the Siamese model is
called branch by branch (``template``, ``search``, ``head``), so the whole objective is the forward.
"""
from functools import lru_cache

import numpy as np
import torch
import torch.nn as nn

from core.errors import TrackingError
from models.equivariance.actions import make_group
from models.equivariance.loss import EquivarianceLoss
from training.losses import dcf_loss, rpn_loss, siamfc_loss
from training.targets import anchor_targets, siamfc_labels


class TrainingObjective(nn.Module):
    """``forward(z, x, boxes, positive, seeds) -> (total, terms)`` for a batch of float crops ``(B, 3, S, S)``."""

    def __init__(self, model: nn.Module, cfg, anchors_fn=None, count_share=None):
        """``cfg`` is a :class:`training.config.TrainConfig`; ``anchors_fn(response_size)`` gives the SiamRPN++
        anchors ``(A, 4)`` as :func:`tracker.anchors.generate_anchors` does (offsets from the crop centre);
        ``count_share`` is the IEN term's mask-count normaliser under DDP (see :class:`EquivarianceLoss`)."""
        super().__init__()
        self.model = model
        self.mode = cfg.mode
        self.loss_cfg = cfg.loss
        self.ien_cfg = cfg.ien
        self.group = ien_group(cfg.ien) if cfg.mode != "plain" else None
        self.ien = None
        if cfg.mode == "ien":
            taps = select_taps(model.ien_taps, cfg.ien.layers)
            self.ien = EquivarianceLoss(model, taps, self.group, beta=cfg.ien.beta, weights=cfg.ien.weights or None,
                                        form=cfg.ien.form, count_share=count_share)
        if model.kind == "siamrpn" and anchors_fn is None:
            raise ValueError("a SiamRPN++ objective needs anchors_fn")
        self.anchors_fn = anchors_fn
        #: the layout the trainer keeps the weights in: the model's own (SiameseNet.memory_format) unless
        #: train.channels_last is off
        self.layout = model.memory_format if cfg.channels_last else torch.contiguous_format

    def forward(self, z, x, boxes, positive, seeds):
        g = None
        if self.group is not None:
            g = sample_elements(self.group, seeds)
            z = torch.cat([z, self.group.act(z, g)])
            x = torch.cat([x, self.group.act(x, g)])
            boxes = torch.cat([boxes, transform_boxes(self.group, g, boxes, x.shape[-1])])
            positive = torch.cat([positive, positive])
            seeds = torch.cat([seeds, seeds + 1])
        z, x = z.contiguous(memory_format=self.layout), x.contiguous(memory_format=self.layout)
        terms = {}
        zf = self._branch(self.model.template, z, g, "z", terms)
        xf = self._branch(self.model.search, x, g, "x", terms)
        out = self.model.head(zf, xf)
        cls, loc = self._task(out, boxes, positive, seeds, x.shape[-1])
        terms["cls"] = cls
        total = self.loss_cfg.cls_weight * cls
        if loc is not None:
            terms["loc"] = loc
            total = total + self.loss_cfg.loc_weight * loc
        if self.ien is not None:
            terms["ien"] = sum(v for k, v in terms.items() if k.startswith("ien_"))
            total = total + terms["ien"]
        return total, terms

    def _branch(self, fn, images, g, name, terms):
        use = self.ien is not None and (self.ien_cfg.on_template if name == "z" else self.ien_cfg.on_search)
        if not use:
            return fn(images)
        with self.ien.capture():
            feats = fn(images)
        weighted, per_layer = self.ien.loss(g)
        terms[f"ien_{name}"] = weighted
        for layer, value in per_layer.items():
            terms[f"E_{name}/{layer}"] = value.detach()
        return feats

    def _task(self, out, boxes, positive, seeds, search_size):
        stride = self.model.total_stride
        if self.model.kind == "dcf":
            return dcf_loss(out, self.model.label, positive), None
        if self.model.kind == "siamfc":
            labels, weights = siamfc_labels(boxes, positive, out.shape[-1], search_size, stride,
                                            self.loss_cfg.positive_radius)
            return siamfc_loss(out, labels.to(out.device), weights.to(out.device)), None
        cls, loc = out
        c = self.loss_cfg
        labels, deltas = anchor_targets(self.anchors_fn(cls.shape[-1]), boxes.detach().cpu(), positive.cpu(),
                                        seeds.tolist(), search_size, c.anchor_pos_iou, c.anchor_neg_iou,
                                        c.anchor_pos_max, c.anchor_total)
        return rpn_loss(cls, loc, labels.to(cls.device), deltas.to(cls.device))


def ien_group(ien):
    """The group of ``train.ien`` (:class:`training.config.IENTermConfig`), with its union weights if any."""
    try:
        return make_group(ien.group, **({"weights": list(ien.union_weights)} if ien.union_weights else {}))
    except TrackingError as err:
        raise TrackingError(f"train.ien: {err}") from None


def select_taps(taps: dict, layers) -> dict:
    """The tapped layers the IEN term uses: all of the model's, or those listed (unknown names are an error)."""
    if not taps:
        raise TrackingError("train.mode ien needs a model with IEN channel groups (model.groups), but this model "
                            "has no tapped layers")
    if not layers:
        return dict(taps)
    unknown = [name for name in layers if name not in taps]
    if unknown:
        raise TrackingError(f"train.ien.layers: unknown layer(s) {', '.join(unknown)}; "
                            f"the model's tapped layers: {', '.join(taps)}")
    return {name: taps[name] for name in layers}


def sample_elements(group, seeds) -> torch.Tensor:
    """One non-identity element per sample, drawn with the sample's own generator, so a sample's transformed
    copy does not depend on its batch or on the number of processes."""
    return torch.cat([group.sample(1, torch.Generator().manual_seed(int(s))) for s in seeds.tolist()])


def element_matrix(group, e: int, size: float) -> np.ndarray:
    """The 2x3 map taking a crop's points (continuous pixel coordinates) to where ``group.act`` puts them:
    the element's :meth:`~models.equivariance.actions.Group.point_map` about the crop centre."""
    a = group.point_map(e)
    c = np.array([size / 2.0, size / 2.0])
    return np.concatenate([a, (c - a @ c)[:, None]], axis=1)


@lru_cache(maxsize=16)
def element_matrices(group, size: float) -> torch.Tensor:
    """``(size of group, 2, 3)`` float64: :func:`element_matrix` of every element, built once per crop size."""
    return torch.as_tensor(np.stack([element_matrix(group, e, size) for e in group.elements()]))


def transform_boxes(group, g, boxes, size: float) -> torch.Tensor:
    """Target boxes ``(B, 4)`` of the transformed copies: the axis-aligned box around the moved corners (what
    :func:`core.crop.transform_box` gives for one box, for the whole batch at once)."""
    m = element_matrices(group, float(size))[torch.as_tensor(g, dtype=torch.long).cpu()]
    x, y, w, h = boxes.detach().cpu().to(torch.float64).unbind(1)
    corners = torch.stack([torch.stack(c, dim=1) for c in ((x, y), (x + w, y), (x + w, y + h), (x, y + h))], dim=1)
    moved = corners @ m[:, :, :2].transpose(1, 2) + m[:, None, :, 2]
    lo, hi = moved.amin(dim=1), moved.amax(dim=1)
    return torch.cat([lo, hi - lo], dim=1).to(dtype=boxes.dtype, device=boxes.device)
