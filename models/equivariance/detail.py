"""How much fine detail a layer's features keep: the share of their spectral energy above half the Nyquist
frequency.

Why beside the equivariance error: a zoom acts on no channel, so ``f(zoom x) = zoom f(x)`` is also met, badly, by
features with no detail (a blurred map changes little when resampled; a constant one not at all). ``E_l`` alone
cannot tell an equivariant layer from a blurring one; this figure can: blurring lowers it, and a model trained
for scale equivariance should keep it near its plain twin's.

    D_l = sum over maps of the energy at radial frequencies > cutoff * Nyquist  /  their energy at frequencies > 0

Each ``(H, W)`` map (one channel of one image; orientation-pooled like ``E_l`` unless ``form="regular"``) has its
mean removed and is multiplied by a separable periodic Hann window before the 2-D FFT, so the jump where the
FFT wraps the map's borders around is not counted as detail. Frequencies are in cycles per feature cell (Nyquist
0.5); the DC bin is left out. Sums run over all channels and images, so strong channels weigh more, as in
``E_l``'s normalisation.
"""
from typing import Callable, Optional

import torch
from torch import nn

from models.equivariance.actions import reference_features
from models.equivariance.metric import evaluating
from models.equivariance.taps import FeatureTaps


def spectral_energy(maps: torch.Tensor, cutoff: float = 0.5) -> tuple:
    """``(high, total)`` energy of ``maps (..., H, W)`` summed over all leading axes: above ``cutoff`` times the
    Nyquist frequency, and above zero (see the module docstring)."""
    h, w = maps.shape[-2:]
    maps = maps.double()
    maps = maps - maps.mean(dim=(-2, -1), keepdim=True)
    window = torch.hann_window(h, periodic=True, dtype=torch.float64)[:, None] \
        * torch.hann_window(w, periodic=True, dtype=torch.float64)[None, :]
    power = torch.fft.fft2(maps * window.to(maps.device)).abs() ** 2
    power = power.reshape(-1, h, w).sum(dim=0)
    fy = torch.fft.fftfreq(h, dtype=torch.float64)[:, None]
    fx = torch.fft.fftfreq(w, dtype=torch.float64)[None, :]
    radius = torch.sqrt(fy ** 2 + fx ** 2).to(power.device)
    return float(power[radius > cutoff * 0.5].sum()), float(power[radius > 0].sum())


def high_frequency_fraction(maps: torch.Tensor, cutoff: float = 0.5) -> float:
    """``D`` of a set of maps ``(..., H, W)``: the share of their non-DC energy above ``cutoff * Nyquist``."""
    high, total = spectral_energy(maps, cutoff)
    return high / total if total > 0 else float("nan")


def feature_detail(model: nn.Module, taps: dict, images: torch.Tensor, form: str = "pooled",
                   forward: Optional[Callable] = None, cutoff: float = 0.5, batch_size: int = 8) -> dict:
    """``{layer: D_l}`` for the tapped layers (names -> :class:`ChannelGroups`) of ``model`` on ``images``, with the
    model in eval mode as :func:`models.equivariance.metric.equivariance_error` runs it (same ``forward``)."""
    forward = forward or model
    hooks = FeatureTaps(model, list(taps))
    sums = {name: [0.0, 0.0] for name in taps}
    with evaluating(model):
        for x in images.split(batch_size):
            with hooks.capture():
                forward(x)
            for name, channels in taps.items():
                high, total = spectral_energy(reference_features(hooks.get(name), channels, form), cutoff)
                sums[name][0] += high
                sums[name][1] += total
    return {name: high / total if total > 0 else float("nan") for name, (high, total) in sums.items()}
