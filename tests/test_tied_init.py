"""Rotation-tied initialisation: a narrow SiamFC AlexNet starts exactly C4-equivariant at every tapped stage
(pooled and regular form), homogeneous and heterogeneous, and the weights stay ordinary parameters."""
import pytest
import torch

from core.config import from_dict
from core.errors import TrackingError
from models.builder import ModelConfig, build_model
from models.equivariance.metric import equivariance_error, probe_images

HOMOGENEOUS = {"kind": "siamfc", "width": 0.125, "groups": {"orders": [4], "ratios": [1]}}
HETEROGENEOUS = {"kind": "siamfc", "channels": [8, 16, 16, 16, 16], "groups": {"orders": [4, 2], "ratios": [1, 1]}}


def build(section, init):
    torch.manual_seed(0)
    return build_model(from_dict(ModelConfig, dict(section, init=init), "model"))


@pytest.mark.parametrize("section", [HOMOGENEOUS, HETEROGENEOUS], ids=["homogeneous", "heterogeneous"])
@pytest.mark.parametrize("form", ["pooled", "regular"])
def test_tied_start_is_exactly_equivariant_where_default_is_not(section, form):
    images = 128 + 48 * probe_images(2, 95)
    tied, default = build(section, "rotation_tied"), build(section, "default")
    tied_errors = equivariance_error(tied, tied.ien_taps, "C4", images, form=form, forward=tied.search)
    default_errors = equivariance_error(default, default.ien_taps, "C4", images, form=form, forward=default.search)
    assert set(tied_errors) == {f"backbone.layer{i}" for i in range(1, 6)}
    assert max(tied_errors.values()) < 1e-6
    assert min(default_errors.values()) > 0.1


def test_tied_weights_are_untied_parameters_with_turned_copies():
    model = build(HOMOGENEOUS, "rotation_tied")
    w = model.backbone.layer1[0].weight  # 12 output channels = 3 fields of 4 orientations, RGB input
    assert w.requires_grad
    assert torch.equal(w[1], torch.rot90(w[0], 1, dims=(-2, -1)))
    assert torch.equal(w[3], torch.rot90(w[0], 3, dims=(-2, -1)))
    assert not torch.equal(w[0], w[4])  # fields differ


def test_tied_init_needs_alexnet_with_groups():
    with pytest.raises(TrackingError, match="init: rotation_tied needs groups and a backbone of one convolution per stage"):
        build({"kind": "siamfc", "width": 0.125}, "rotation_tied")
    with pytest.raises(TrackingError, match="init: expected one of default, rotation_tied"):
        build(HOMOGENEOUS, "orthogonal")
