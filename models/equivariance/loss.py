"""The IEN equivariance loss (Khetan, Arora, Rehman, Gupta, *Implicit Equivariance in Convolutional Networks*,
arXiv 2111.14157).

    L = L_task + beta * sum_l w_l * MSE_mask( P f_l(x), T_g^-1 P f_l(T_g x) )

``f_l`` is the output of tapped layer ``l``, ``T_g`` a group element acting on the image and (inversely) on the
feature map, ``P`` orientation pooling (max over each field's orientations; the paper's form). With
``form="regular"`` no pooling is done and ``T_g^-1`` also undoes the cyclic shift of each field's orientations.
``MSE_mask`` averages the squared difference over the entries whose mask is 1: the spatial mask of the element
(circular for non-exact rotations, the valid centre for zooms) times the blocks of a heterogeneous layer whose
group contains the element (see :mod:`models.equivariance.actions`). Following the official formulation, the
originals and the transformed copies go through the network as one doubled batch, so BatchNorm shares its
statistics between them, and ``beta = 1`` for every tapped layer. Gradients flow through both branches.

Usage (the project's contract)::

    ien = EquivarianceLoss(model, model.ien_taps, make_group("C8"))
    xt, g = ien.transform(x)                      # T_g x, one non-identity element per sample
    with ien.capture():                           # forward hooks on the tapped modules
        out = model.search(torch.cat([x, xt]))    # doubled batch
    total, terms = ien.loss(g)                    # beta * sum_l w_l * masked MSE; terms: {layer: tensor}
"""
from typing import Callable, Optional, Union

import torch
from torch import nn

from core.errors import TrackingError
from models.equivariance.actions import Group, align_features, check_form, make_group, reference_features
from models.equivariance.groups import ChannelGroups
from models.equivariance.taps import FeatureTaps


class EquivarianceLoss:
    """Taps named layers of ``model`` and computes the IEN term for one doubled-batch forward pass.

    ``taps`` maps layer names (as in ``model.named_modules()``) to their :class:`ChannelGroups`; ``weights``
    maps layer names to ``w_l`` (default 1); ``group`` is a :class:`Group` or a name for :func:`make_group`.
    ``count_share`` maps a batch's count of masked entries to the number its squared sum is divided by (default:
    the count itself). Data-parallel training passes the mean count over the processes: masks differ per element
    (circular for odd multiples of 45 degrees), so each process's own count would weight samples unequally.
    """

    def __init__(self, model: nn.Module, taps: dict, group: Union[Group, str], beta: float = 1.0,
                 weights: Optional[dict] = None, form: str = "pooled", generator: Optional[torch.Generator] = None,
                 count_share: Optional[Callable[[torch.Tensor], torch.Tensor]] = None):
        if not taps:
            raise TrackingError("the equivariance loss needs at least one tapped layer (ien_taps is empty)")
        unknown = sorted(set(weights or {}) - set(taps))
        if unknown:
            raise TrackingError(f"equivariance weights name untapped layer(s) {', '.join(unknown)}; "
                                f"tapped: {', '.join(taps)}")
        for name, channels in taps.items():
            if not isinstance(channels, ChannelGroups):
                raise TrackingError(f"tap {name}: expected ChannelGroups, got {type(channels).__name__}")
        self.group = make_group(group) if isinstance(group, str) else group
        self.taps = dict(taps)
        self.beta = float(beta)
        self.weights = {name: float((weights or {}).get(name, 1.0)) for name in taps}
        self.form = form
        self.generator = generator
        self.count_share = count_share
        self._hooks = FeatureTaps(model, list(taps))
        check_form(form)

    def transform(self, x: torch.Tensor, g: Optional[torch.Tensor] = None) -> tuple:
        """``(T_g x, g)``: draws one non-identity element per sample unless ``g`` is given."""
        if g is None:
            g = self.group.sample(x.shape[0], self.generator)
        return self.group.act(x, g), g

    def capture(self):
        """Context manager: record the tapped layers' outputs of one forward pass of ``cat([x, T_g x])``."""
        return self._hooks.capture()

    def loss(self, g: torch.Tensor) -> tuple:
        """``(total, terms)``: ``total = beta * sum_l w_l * terms[l]``; ``terms[l]`` is layer ``l``'s masked MSE."""
        terms = {}
        for name, channels in self.taps.items():
            f = GradInLayout.apply(self._hooks.get(name))
            batch = f.shape[0] // 2
            if f.shape[0] != 2 * batch or batch != len(torch.as_tensor(g).flatten()):
                raise RuntimeError(f"layer {name}: expected a doubled batch of 2 x {len(g)}, got {f.shape[0]}")
            target = reference_features(f[:batch], channels, self.form)
            aligned, weight = align_features(f[batch:], g, self.group, channels, self.form)
            terms[name] = masked_mse(target, aligned, weight, self.count_share)
        total = self.beta * sum(self.weights[name] * term for name, term in terms.items())
        return total, terms


class GradInLayout(torch.autograd.Function):
    """Identity whose gradient leaves in the memory layout of its input.

    Why: the term's slicing, pooling and turning hand back gradients in the default (NCHW) layout; added to the
    channels-last gradients of a channels-last network (``SiameseNet.memory_format``) they would push every later
    backward kernel (pooling, BatchNorm, convolution) off its channels-last path, which costs more than this one
    copy per tapped layer.
    """

    @staticmethod
    def forward(ctx, x):
        channels_last = x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)
        ctx.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return grad.contiguous(memory_format=ctx.memory_format)


def masked_mse(a: torch.Tensor, b: torch.Tensor, weight: torch.Tensor, count_share=None) -> torch.Tensor:
    """Mean of ``(a - b)^2`` over the entries where ``weight`` (broadcast to ``a``) is 1; 0 if there are none.
    In float32 whatever the features' precision; ``count_share``: see :class:`EquivarianceLoss`."""
    weight = weight.expand_as(a)
    count = weight.sum()
    if count_share is not None:
        count = count_share(count)
    squared = (weight * (a.float() - b.float()) ** 2).sum()
    return squared / count if count > 0 else squared * 0.0
