"""The IEN loss's values, not just its sign: about 0 on the exactly equivariant reference network under real
turns, a hand-computed value under a known non-equivariant perturbation, and a masked mean that divides by the
masked entries when the mask (C8's disk, a zoom's valid centre) is not all ones."""
import pytest
import torch
from torch import nn

from models.equivariance.actions import make_group
from models.equivariance.groups import ChannelGroups
from models.equivariance.loss import EquivarianceLoss
from models.equivariance.reference import reference_for

torch.set_num_threads(1)
SIDE = 17       # 2^k + 1: stride-2 layers sample symmetrically, so quarter turns commute with them


def _ien_loss(model, taps, group, x, g, form):
    ien = EquivarianceLoss(model, taps, group, form=form)
    xt, g = ien.transform(x, torch.tensor(g))
    with ien.capture():
        model(torch.cat([x, xt]))
    return ien.loss(g)


@pytest.mark.parametrize("form", ["pooled", "regular"])
def test_reference_network_has_no_loss_under_quarter_turns(form):
    torch.manual_seed(0)
    net = reference_for("C4")
    x = torch.randn(3, 3, SIDE, SIDE)
    with torch.no_grad():
        total, terms = _ien_loss(net, net.ien_taps, "C4", x, [1, 2, 3], form)
        scale = min(float(f.pow(2).mean()) for f in (net.layers[: i + 1](x) for i in range(len(net.layers))))
    assert scale > 1e-2                        # the features are far from zero ...
    assert set(terms) == set(net.ien_taps)
    assert total.item() < 1e-10 * scale        # ... and the loss is zero up to float rounding


class AddAtPixel(nn.Module):
    """Adds ``c`` to every orientation of field 0 at one off-centre pixel: a fixed map that does not turn with the
    input, so the layer stops being equivariant by a known amount."""

    def __init__(self, channels, c, pixel=(3, 5)):
        super().__init__()
        self.bump = torch.zeros(1, channels, SIDE, SIDE)
        self.bump[0, :4, pixel[0], pixel[1]] = c

    def forward(self, x):
        return x + self.bump


@pytest.mark.parametrize("form", ["pooled", "regular"])
def test_a_fixed_bump_costs_its_hand_computed_loss(form):
    """f' = f + d with f exactly C4-equivariant: f'(x) - T^-1 f'(T x) = d - T^-1 d, which is c at the bump's
    pixel and -c at the pixel it turns to, in each of field 0's orientations. Pooled: 2 entries of 4 fields x
    17 x 17; regular: 8 of 16 channels x 17 x 17. Either way the mean is 2 c^2 / (4 * 17 * 17)."""
    torch.manual_seed(1)
    net = reference_for("C4", depth=1)
    channels = net.ien_taps["layers.0"]
    c = 0.5
    model = nn.Sequential(net, AddAtPixel(channels.channels, c))
    with torch.no_grad():
        total, _ = _ien_loss(model, {"1": channels}, "C4", torch.randn(2, 3, SIDE, SIDE), [1, 3], form)
    assert total.item() == pytest.approx(2 * c ** 2 / (4 * SIDE * SIDE), rel=1e-4)


class HalfConstant(nn.Module):
    """Outputs ``a`` everywhere for the first half of the batch (the originals) and ``b`` for the second (the
    transformed copies), whatever the input: inside any mask the difference is exactly ``a - b``."""

    def __init__(self, channels, a, b):
        super().__init__()
        self.channels, self.a, self.b = channels, a, b

    def forward(self, x):
        half = x.shape[0] // 2
        out = x.new_ones(x.shape[0], self.channels, SIDE, SIDE)
        return torch.cat([out[:half] * self.a, out[half:] * self.b])


@pytest.mark.parametrize("group_name, element", [("C8", 1), ("C8", 3), ("scale", 1)])
@pytest.mark.parametrize("form", ["pooled", "regular"])
def test_masked_mean_divides_by_the_masked_entries(group_name, element, form):
    """45 and 135 degree turns keep only the centred disk, a zoom in by 2^(1/4) only the central part; the mean
    of (a - b)^2 = 4 over those entries is 4, whatever the mask's size."""
    group = make_group(group_name)
    kept = group.mask(torch.tensor([element]), SIDE, SIDE).mean().item()
    assert 0.5 < kept < 0.9                    # the mask really drops entries
    channels = ChannelGroups.homogeneous(8, 8, "field")
    model = nn.Sequential(HalfConstant(8, 1.0, 3.0))
    with torch.no_grad():
        total, _ = _ien_loss(model, {"0": channels}, group, torch.zeros(2, 1, SIDE, SIDE), [element] * 2, form)
    assert total.item() == pytest.approx(4.0, rel=1e-3)
