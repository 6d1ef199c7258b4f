"""The equivariance-error metric: exact zero on the reference network, high on a random CNN, a measured
interpolation floor for C8 and scale, a drop of >= 10x when a plain CNN is trained on the IEN term, and the tool."""
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
import torch.nn.functional as F
from torch import nn

from core.config import from_dict, load_yaml
from models.builder import ModelConfig, build_model
from models.equivariance.groups import ChannelGroups
from models.equivariance.loss import EquivarianceLoss
from models.equivariance.metric import equivariance_error, probe_images, response_error
from models.equivariance.reference import reference_for

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[1]


def _plain_cnn(channels=8):
    return nn.Sequential(nn.Conv2d(3, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
                         nn.Conv2d(channels, channels, 3, stride=2, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
                         nn.Conv2d(channels, channels, 3, stride=2, padding=1), nn.BatchNorm2d(channels), nn.ReLU())


PLAIN_TAPS = {name: ChannelGroups.homogeneous(8, 4, name) for name in ("2", "5", "8")}


@pytest.mark.parametrize("heterogeneous", [False, True])
@pytest.mark.parametrize("form", ["pooled", "regular"])
def test_reference_network_is_exactly_c4_equivariant(form, heterogeneous):
    torch.manual_seed(0)
    net = reference_for("C4", heterogeneous=heterogeneous)
    errors = equivariance_error(net, net.ien_taps, "C4", probe_images(4, 33), form=form)
    assert set(errors) == {"layers.0", "layers.1", "layers.2"}
    assert all(e < 1e-6 for e in errors.values()), errors


@pytest.mark.parametrize("form", ["pooled", "regular"])
def test_random_plain_cnn_is_far_from_equivariant(form):
    torch.manual_seed(0)
    errors = equivariance_error(_plain_cnn(), PLAIN_TAPS, "C4", probe_images(4, 33), form=form)
    assert all(e > 0.5 for e in errors.values()), errors


def test_interpolation_floor_of_c8_and_scale_is_measured_and_small():
    """Measured on 4 smooth 33 px images (seed 0): C8 0.031 / 0.127 / 0.310, scale 0.037 / 0.041 / 0.042 per
    layer, vs 0.58 / 0.77 / 1.34 for a random plain CNN of the same depth and strides under C8. The C8 floor grows with depth because stride-2 sampling grids do not
    turn by 45 degrees (aliasing) and 5x5 filters are turned by resampling; bounds sit ~1.5x above."""
    images = probe_images(4, 33)
    torch.manual_seed(0)
    c8 = reference_for("C8")
    c8_floor = equivariance_error(c8, c8.ien_taps, "C8", images)
    assert 1e-4 < c8_floor["layers.0"] < 0.05 and c8_floor["layers.1"] < 0.2 and c8_floor["layers.2"] < 0.45
    torch.manual_seed(0)
    scale = reference_for("scale")
    floor = equivariance_error(scale, scale.ien_taps, "scale", images)
    assert all(1e-4 < e < 0.06 for e in floor.values()), floor
    torch.manual_seed(0)
    plain = equivariance_error(_plain_cnn(), PLAIN_TAPS, "C8", images)
    for depth, name in enumerate(PLAIN_TAPS):  # same depth and strides: the floor sits well below
        assert plain[name] > 3 * c8_floor[f"layers.{depth}"], (plain, c8_floor)


@pytest.mark.parametrize("form", ["pooled", "regular"])
def test_training_on_the_equivariance_term_lowers_the_error_tenfold(form):
    torch.manual_seed(0)
    net = _plain_cnn()
    ien = EquivarianceLoss(net, PLAIN_TAPS, "C4", form=form, generator=torch.Generator().manual_seed(0))
    held_out = probe_images(8, 33, seed=1)
    before = equivariance_error(net, PLAIN_TAPS, "C4", held_out, form=form)
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-2)
    for step in range(200):
        x = probe_images(8, 33, seed=100 + step)
        xt, g = ien.transform(x)
        with ien.capture() as features:
            net(torch.cat([x, xt]))
        total, _ = ien.loss(g)
        # keeps features from collapsing to zero: every channel keeps a variance of at least 1
        spread = sum(F.relu(1 - features[name].var(dim=(0, 2, 3))).mean() for name in PLAIN_TAPS)
        optimiser.zero_grad()
        (total + spread).backward()
        optimiser.step()
    after = equivariance_error(net, PLAIN_TAPS, "C4", held_out, form=form)
    for name in PLAIN_TAPS:
        assert after[name] < before[name] / 10, (name, before[name], after[name])


class _TinySiamese(nn.Module):
    """Cross-correlation of pooled features: exactly C4-equivariant when the backbone is."""

    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone
        self.channels = backbone.ien_taps["layers.2"]

    def forward(self, z, x):
        zf, xf = self.channels.pool(self.backbone(z)), self.channels.pool(self.backbone(x))
        return torch.cat([F.conv2d(xf[i:i + 1], zf[i:i + 1]) for i in range(x.shape[0])])


def test_response_map_error_zero_for_equivariant_backbone_high_for_plain():
    torch.manual_seed(0)
    z, x = probe_images(2, 17, seed=1), probe_images(2, 33, seed=2)
    assert response_error(_TinySiamese(reference_for("C4", fields=2)), "C4", z, x) < 1e-6

    class Plain(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = _plain_cnn()

        def forward(self, z, x):
            zf, xf = self.net(z), self.net(x)
            return torch.cat([F.conv2d(xf[i:i + 1], zf[i:i + 1]) for i in range(x.shape[0])])

    assert response_error(Plain(), "C4", z, x) > 0.1


def _tool(*args):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "eval_equivariance.py"), *args],
                          capture_output=True, text=True, env={"OMP_NUM_THREADS": "1", "PATH": ""}, timeout=60)


def test_tool_prints_and_writes_the_reference_table(tmp_path):
    out = tmp_path / "c4.json"
    run = _tool("--reference", "--group", "C4", "--images", "2", "--size", "33", "--json", str(out))
    assert run.returncode == 0, run.stderr
    assert "layers.2  E =" in run.stdout
    payload = json.loads(out.read_text())
    assert payload["group"] == "C4" and payload["source"] == "reference"
    assert all(e < 1e-6 for e in payload["layers"].values())


def test_tool_rejects_bad_arguments_without_traceback():
    run = _tool("--reference", "--group", "C5")
    assert run.returncode == 2 and "invalid choice" in run.stderr and "Traceback" not in run.stderr
    run = _tool("--reference", "--size", "10")
    assert run.returncode == 2 and "--size must be >= 32" in run.stderr and "Traceback" not in run.stderr
    run = _tool("--tracker", "no-such-tracker")
    assert run.returncode == 2 and "error: unknown tracker 'no-such-tracker'" in run.stderr


TINY_IEN_SIAMFC = """\
model:
  kind: siamfc
  backbone: alexnet
  width: 0.125
  groups: {orders: [4], ratios: [1]}
tracker: {}
"""


def test_tool_measures_a_tracker_config_layer_by_layer(tmp_path):
    """``--tracker <config>`` on a small randomly initialised IEN SiamFC: one finite E per tapped AlexNet stage
    and one for the response map, all far from equivariant (> 0.1) before training."""
    config = tmp_path / "tiny_ien.yaml"
    config.write_text(TINY_IEN_SIAMFC)
    out = tmp_path / "tracker.json"
    run = _tool("--tracker", str(config), "--group", "C4", "--images", "2", "--json", str(out))
    assert run.returncode == 0, run.stderr
    assert "response map  E =" in run.stdout
    assert f"{config} (random weights), C4, pooled" in run.stdout  # an untrained network is never silent
    payload = json.loads(out.read_text())
    assert payload["source"] == str(config) and payload["group"] == "C4" and payload["size"] == 255
    assert payload["random_weights"] is True
    model = build_model(from_dict(ModelConfig, load_yaml(config)["model"], "model"))
    assert list(payload["layers"]) == list(model.ien_taps) and len(payload["layers"]) == 5
    values = [*payload["layers"].values(), payload["response"]]
    assert all(math.isfinite(v) and v > 0.1 for v in values), payload
    assert "floor" not in payload          # C4 turns exactly: no interpolation floor to report


def test_tool_measures_the_scale_group_with_detail_beside_each_layer(tmp_path):
    """``--group scale``: E and D (share of feature energy above Nyquist/2) for every tapped layer, and the
    interpolation floor of the zoom (it resamples)."""
    config = tmp_path / "tiny_ien.yaml"
    config.write_text(TINY_IEN_SIAMFC)
    out = tmp_path / "scale.json"
    run = _tool("--tracker", str(config), "--group", "scale", "--images", "2", "--json", str(out))
    assert run.returncode == 0, run.stderr
    payload = json.loads(out.read_text())
    assert payload["group"] == "scale" and list(payload["detail"]) == list(payload["layers"])
    assert all(0 < d < 1 for d in payload["detail"].values()) and all(math.isfinite(e) for e in payload["layers"].values())
    assert f"backbone.layer1  E = {payload['layers']['backbone.layer1']:.3e}  D = " in run.stdout
    assert set(payload["floor"]) == {"layers.0", "layers.1", "layers.2"}


def test_tool_refuses_a_tracker_without_ien_taps():
    run = _tool("--tracker", "siamfc", "--images", "2")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "error: tracker siamfc has no network with IEN taps" in run.stderr


def test_tool_measures_trainer_weights_from_the_checkpoint_alone(tmp_path):
    """``--checkpoint PATH`` alone builds the network from the config the trainer stores in the weights, and
    gives the same figures as the config plus the same weights; weights without a config are refused."""
    from models.weights import save_weights

    data = yaml.safe_load(TINY_IEN_SIAMFC)
    torch.manual_seed(3)
    model = build_model(from_dict(ModelConfig, data["model"], "model"))
    weights, bare = tmp_path / "model.safetensors", tmp_path / "bare.safetensors"
    save_weights(model, weights, {"model": data["model"], "tracker": data["tracker"]})
    save_weights(model, bare, {})
    config = tmp_path / "tiny_ien.yaml"
    config.write_text(TINY_IEN_SIAMFC)
    alone, with_config = tmp_path / "alone.json", tmp_path / "config.json"
    run = _tool("--checkpoint", str(weights), "--images", "2", "--json", str(alone))
    assert run.returncode == 0, run.stderr
    run = _tool("--tracker", str(config), "--checkpoint", str(weights), "--images", "2", "--json", str(with_config))
    assert run.returncode == 0, run.stderr
    assert json.loads(alone.read_text())["layers"] == json.loads(with_config.read_text())["layers"]
    assert json.loads(with_config.read_text())["random_weights"] is False and "random weights" not in run.stdout
    run = _tool("--checkpoint", str(bare), "--images", "2")
    assert run.returncode == 2 and "carry no model config" in run.stderr and "Traceback" not in run.stderr
