"""The detail measure beside E_l (models/equivariance/detail.py): the analytic share for known sinusoids, lower
after blurring, and per layer through the taps of a network."""
import math

import pytest
import torch
import torch.nn.functional as F

from models.equivariance.detail import feature_detail, high_frequency_fraction
from models.equivariance.metric import probe_images
from models.equivariance.reference import reference_for

torch.set_num_threads(1)


def _waves(n, low, high, amplitude):
    """A cosine of ``low`` cycles along x plus ``amplitude`` times one of ``high`` cycles along y, on n x n."""
    t = torch.arange(n, dtype=torch.float64)
    return (torch.cos(2 * math.pi * low * t / n)[None, :] + amplitude * torch.cos(2 * math.pi * high * t / n)[:, None])


@pytest.mark.parametrize("amplitude", [0.5, 1.0, 2.0])
def test_two_sinusoids_give_the_analytic_share(amplitude):
    """3 cycles in 32 cells is below half the Nyquist frequency (8 cycles), 12 is above; the Hann window spreads
    each wave only to its neighbouring bins, on the same side, so the share is exactly a^2 / (1 + a^2)."""
    share = high_frequency_fraction(_waves(32, 3, 12, amplitude))
    assert share == pytest.approx(amplitude ** 2 / (1 + amplitude ** 2), abs=1e-12)


def test_a_constant_offset_and_a_low_wave_alone_have_no_detail():
    assert high_frequency_fraction(_waves(32, 3, 12, 0.0) + 7.0) == pytest.approx(0.0, abs=1e-12)
    assert high_frequency_fraction(_waves(32, 12, 3, 0.0)) == pytest.approx(1.0, abs=1e-12)


def test_blurring_lowers_the_share():
    maps = torch.randn(4, 6, 40, 40, generator=torch.Generator().manual_seed(0))
    kernel = torch.ones(6, 1, 3, 3) / 9
    blurred = F.conv2d(F.pad(maps, (1, 1, 1, 1), mode="circular"), kernel, groups=6)
    sharp, soft = high_frequency_fraction(maps), high_frequency_fraction(blurred)
    assert 0.7 < sharp < 0.9  # white noise: the area outside the disk of radius Nyquist/2 (1 - pi/16 = 0.80)
    assert soft < 0.5 * sharp


def test_feature_detail_reports_every_tapped_layer_and_sees_a_blurring_layer():
    torch.manual_seed(0)
    net = reference_for("C4")
    images = probe_images(4, 33)
    plain = feature_detail(net, net.ien_taps, images)
    assert list(plain) == list(net.ien_taps) and all(0 < v < 1 for v in plain.values())
    first = next(iter(net.ien_taps))
    module = dict(net.named_modules())[first]
    handle = module.register_forward_hook(lambda m, i, out: F.avg_pool2d(out, 3, stride=1, padding=1))
    try:
        blurred = feature_detail(net, net.ien_taps, images)
    finally:
        handle.remove()
    assert blurred[first] < 0.6 * plain[first]
    assert net.training  # the model's mode is restored
