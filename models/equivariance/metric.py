"""The equivariance-error metric of the IEN paper's analysis (Khetan et al., arXiv 2111.14157), normalised.

    E_l = sum_{x, g != e} || M (P f_l(x) - T_g^-1 P f_l(T_g x)) ||^2  /  sum_{x, g != e} || M (P f_l(x) - mu_l) ||^2

``M`` is the element's mask (spatial, times the blocks whose group holds ``g``), ``mu_l`` the per-channel mean of
``P f_l(x)`` over the batch's masked positions. Dividing by the centred energy means a large constant response
cannot look equivariant: 0 is exact equivariance, about 2 is an unrelated map of the same statistics. Every
non-identity element is used (no sampling), so the figure is deterministic for given images. Without pooling
(``form="regular"``) ``P`` is dropped and ``T_g^-1`` also undoes the channel shift.

The model runs in eval mode (BatchNorm on running statistics) under ``torch.no_grad``; its mode is restored.
"""
from contextlib import contextmanager
from typing import Callable, Optional

import torch
import torch.nn.functional as F
from torch import nn

from models.equivariance.actions import align_features, make_group, reference_features
from models.equivariance.taps import FeatureTaps


class ErrorSum:
    """Running numerator and denominator of one ``E``."""

    def __init__(self):
        self.num, self.den = 0.0, 0.0

    def add(self, target, aligned, weight):
        weight = weight.expand_as(target)
        count = weight.sum(dim=(0, 2, 3), keepdim=True).clamp_min(1.0)
        mean = (weight * target).sum(dim=(0, 2, 3), keepdim=True) / count
        self.num += float((weight * (target - aligned) ** 2).sum())
        self.den += float((weight * (target - mean) ** 2).sum())

    @property
    def value(self) -> float:
        return self.num / self.den if self.den > 0 else float("nan")


def equivariance_error(model: nn.Module, taps: dict, group, images: torch.Tensor, form: str = "pooled",
                       forward: Optional[Callable] = None, batch_size: int = 8) -> dict:
    """``{layer: E_l}`` for the tapped layers (names -> :class:`ChannelGroups`) of ``model`` on ``images``
    ``(N, C, H, W)``. ``forward`` runs the part of the model to probe (default ``model``; e.g. ``model.search``)."""
    group = make_group(group) if isinstance(group, str) else group
    forward = forward or model
    hooks = FeatureTaps(model, list(taps))
    sums = {name: ErrorSum() for name in taps}
    with evaluating(model):
        for x in images.split(batch_size):
            with hooks.capture():
                forward(x)
            targets = {name: reference_features(hooks.get(name), ch, form) for name, ch in taps.items()}
            for e in range(1, group.size):
                g = torch.full((x.shape[0],), e, dtype=torch.long)
                with hooks.capture():
                    forward(group.act(x, g))
                for name, channels in taps.items():
                    aligned, weight = align_features(hooks.get(name), g, group, channels, form)
                    sums[name].add(targets[name], aligned, weight)
    return {name: s.value for name, s in sums.items()}


def response_error(model: nn.Module, group, z: torch.Tensor, x: torch.Tensor,
                   score: Optional[Callable] = None, batch_size: int = 8) -> float:
    """``E`` of a tracker's response map when template ``z`` and search ``x`` turn together:
    ``|| r(z, x) - T_g^-1 r(T_g z, T_g x) ||^2 / || r(z, x) - mean ||^2``, with ``r = score(model(z, x))``.

    ``score`` reduces the model output to ``(B, C, H, W)`` maps compared channel by channel (default: the output
    itself, or the first element of a tuple, i.e. a SiamRPN head's classification map).
    """
    group = make_group(group) if isinstance(group, str) else group
    score = score or (lambda out: out[0] if isinstance(out, (tuple, list)) else out)
    total = ErrorSum()
    with evaluating(model):
        for zb, xb in zip(z.split(batch_size), x.split(batch_size)):
            target = score(model(zb, xb))
            for e in range(1, group.size):
                g = torch.full((xb.shape[0],), e, dtype=torch.long)
                turned = score(model(group.act(zb, g), group.act(xb, g)))
                aligned = group.act_inverse(turned, g)
                total.add(target, aligned, group.mask(g, *target.shape[-2:], device=target.device))
    return total.value


def probe_images(count: int, size: int, channels: int = 3, sigma: float = 1.5, seed: int = 0) -> torch.Tensor:
    """Deterministic smooth random images ``(count, channels, size, size)``: white noise blurred by a Gaussian of
    ``sigma`` pixels, unit-ish contrast. Why smooth: bilinear resampling of white noise destroys most of it, so
    on noise the interpolation floor of C8 and scale would drown every other effect; natural images are smooth
    at the pixel scale too."""
    generator = torch.Generator().manual_seed(seed)
    radius = int(3 * sigma + 0.5)
    noise = torch.randn(count * channels, 1, size + 2 * radius, size + 2 * radius, generator=generator)
    taps = torch.exp(-torch.arange(-radius, radius + 1, dtype=torch.float32) ** 2 / (2 * sigma ** 2))
    taps = taps / taps.norm()
    smooth = F.conv2d(F.conv2d(noise, taps.view(1, 1, 1, -1)), taps.view(1, 1, -1, 1))
    return smooth.reshape(count, channels, size, size)


@contextmanager
def evaluating(model):
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)
