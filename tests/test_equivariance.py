"""IEN group actions, feature actions and the equivariance loss: exactness where promised, masks, the
heterogeneous rule, and the loss's identity/gradient behaviour."""
import math

import pytest
import torch
from torch import nn

from core.errors import TrackingError
from models.equivariance.actions import (act_features, align_features, make_group, resample,
                                         rotation_scale_matrix)
from models.equivariance.groups import ChannelGroups
from models.equivariance.loss import EquivarianceLoss
from models.equivariance.metric import probe_images
from models.equivariance.reference import reference_for

torch.set_num_threads(1)


def test_bilinear_turns_by_quarter_turns_agree_with_rot90():
    x = torch.randn(2, 3, 9, 9)
    for k in range(4):
        turned = resample(x, rotation_scale_matrix(k * math.pi / 2, 1.0))
        assert torch.allclose(turned, torch.rot90(x, k, dims=(-2, -1)), atol=1e-5)


@pytest.mark.parametrize("name", ["C4", "D4", "C8", "D8", "scale"])
def test_inverse_undoes_action_inside_the_mask(name):
    group = make_group(name)
    g = torch.arange(group.size)
    x = probe_images(group.size, 33, seed=3)
    back = group.act_inverse(group.act(x, g), g)
    mask = group.mask(g, 33, 33)
    err = ((back - x) ** 2 * mask).sum(dim=(1, 2, 3)) / (x ** 2 * mask).sum(dim=(1, 2, 3))
    for e in range(group.size):
        if group.exact(e):
            assert mask[e].min() == 1 and err[e] == 0, group.describe(e)
        else:
            assert 0 < err[e] < 0.05, (group.describe(e), float(err[e]))  # bilinear round trip on smooth images


def test_c8_masks_the_disk_and_even_elements_are_exact_rot90():
    group = make_group("C8")
    x = torch.randn(1, 2, 17, 17)
    assert torch.equal(group.act(x, torch.tensor([2])), torch.rot90(x, 1, dims=(-2, -1)))
    mask = group.mask(torch.tensor([1]), 17, 17)[0, 0]
    assert mask[8, 0] == 1 and mask[8, 16] == 1 and mask[0, 0] == 0 and mask[16, 16] == 0
    assert abs(float(mask.mean()) - math.pi * 8 ** 2 / 17 ** 2) < 0.02  # disk of radius (17 - 1) / 2


def test_scale_mask_keeps_the_centre_when_zooming_in():
    group = make_group("scale", step=2.0, levels=1)
    assert [group.describe(e) for e in range(3)] == ["x1.000", "x2.000", "x0.500"]
    mask = group.mask(torch.tensor([1, 2]), 33, 33)
    assert mask[0, 0, 8:25, 8:25].min() == 1 and mask[0].sum() == 17 * 17
    assert mask[1].min() == 1


def test_dihedral_elements_compose_like_a_group():
    group = make_group("D4")
    x = torch.randn(1, 1, 7, 7)
    mirror_then_turn = group.act(x, torch.tensor([5]))  # R F
    turn_back_after_mirror = group.act(group.act(x, torch.tensor([4])), torch.tensor([1]))
    assert torch.equal(mirror_then_turn, turn_back_after_mirror)
    assert torch.equal(group.act(group.act(x, torch.tensor([5])), torch.tensor([5])), x)  # (RF)^2 = e


def test_make_group_rejects_unknown_names_and_parameters():
    with pytest.raises(TrackingError, match="valid: C4, C8, D4, D8"):
        make_group("SO2")
    with pytest.raises(TrackingError, match="scale takes step, levels"):
        make_group("scale", factor=2)
    with pytest.raises(TrackingError, match="step > 1"):
        make_group("scale", step=0.5)


def test_heterogeneous_blocks_outside_the_element_group_are_left_out():
    channels = ChannelGroups.from_ratio(32, (2, 1, 1), (8, 4, 1), "conv2")  # 2 fields of 8, 2 of 4, 8 plain
    group = make_group("C8")
    f = torch.randn(3, 32, 9, 9)
    _, weight = align_features(f, torch.tensor([1, 2, 4]), group, channels, "regular")
    per_channel = weight.amax(dim=(2, 3))
    assert per_channel[0].tolist() == [1.0] * 16 + [0.0] * 16  # 45 degrees: only the order-8 block
    assert per_channel[1].tolist() == [1.0] * 24 + [0.0] * 8  # 90 degrees: order 8 and order 4
    _, weight = align_features(f, torch.tensor([4]), group, channels, "pooled")
    assert weight.amax(dim=(2, 3))[0].tolist() == [1.0] * 4 + [0.0] * 8  # pooled: one per field


def test_regular_form_turns_template_features_without_re_encoding():
    torch.manual_seed(0)
    net = reference_for("C4", fields=2)
    z = probe_images(2, 17, seed=1)
    group = make_group("C4")
    g = torch.tensor([1, 3])
    channels = net.ien_taps["layers.2"]
    turned, weight = act_features(net(z), g, group, channels, "regular")
    assert weight.min() == 1
    assert torch.allclose(turned, net(group.act(z, g)), atol=1e-5)


def _plain_cnn(channels=8):
    return nn.Sequential(nn.Conv2d(3, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
                         nn.Conv2d(channels, channels, 3, stride=2, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
                         nn.Conv2d(channels, channels, 3, stride=2, padding=1), nn.BatchNorm2d(channels), nn.ReLU())


@pytest.mark.parametrize("form", ["pooled", "regular"])
def test_loss_is_zero_for_identity_and_its_gradient_reaches_every_tapped_layer(form):
    torch.manual_seed(0)
    net = _plain_cnn()
    taps = {name: ChannelGroups.homogeneous(8, 4, name) for name in ("2", "5", "8")}
    ien = EquivarianceLoss(net, taps, make_group("C8"), form=form)
    x = probe_images(4, 33)

    xt, g = ien.transform(x, torch.zeros(4, dtype=torch.long))
    with ien.capture():
        net(torch.cat([x, xt]))
    total, terms = ien.loss(g)
    assert total.item() == 0 and all(t.item() == 0 for t in terms.values())

    xt, g = ien.transform(x)
    assert g.min() >= 1
    with ien.capture():
        net(torch.cat([x, xt]))
    total, terms = ien.loss(g)
    assert set(terms) == set(taps) and all(t.item() > 0 for t in terms.values())
    total.backward()
    for conv in (net[0], net[3], net[6]):
        assert conv.weight.grad is not None and conv.weight.grad.abs().sum() > 0


def test_loss_weights_and_beta_combine_the_terms():
    torch.manual_seed(0)
    net = _plain_cnn()
    taps = {name: ChannelGroups.homogeneous(8, 4, name) for name in ("2", "5")}
    ien = EquivarianceLoss(net, taps, "C4", beta=0.5, weights={"5": 3.0})
    x = probe_images(2, 17)
    xt, g = ien.transform(x)
    with ien.capture():
        net(torch.cat([x, xt]))
    total, terms = ien.loss(g)
    assert torch.allclose(total, 0.5 * (terms["2"] + 3.0 * terms["5"]))


def test_loss_configuration_errors_name_the_problem():
    net = _plain_cnn()
    with pytest.raises(TrackingError, match="unknown tapped layer.*conv9.*the model's layers are: 0, 1"):
        EquivarianceLoss(net, {"conv9": ChannelGroups.homogeneous(8, 4)}, "C4")
    with pytest.raises(TrackingError, match="weights name untapped layer"):
        EquivarianceLoss(net, {"2": ChannelGroups.homogeneous(8, 4)}, "C4", weights={"5": 1.0})
    with pytest.raises(TrackingError, match="unknown equivariance form 'dense'"):
        EquivarianceLoss(net, {"2": ChannelGroups.homogeneous(8, 4)}, "C4", form="dense")
    with pytest.raises(TrackingError, match="conv2: a block of 6 channels is not divisible by its group order 4"):
        ChannelGroups.from_ratio(12, (1, 1), (4, 2), "conv2")
