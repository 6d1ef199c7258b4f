"""Trackers: SiamFC follows a textured patch with hand-built features, every shipped config runs on a real
sequence, polygons initialise, the got10k adapter converts, rotation is found (SiamRPN++'s decoding and scoring:
test_siamrpn_scoring.py)."""
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

from core.boxes import polygon_to_area_box
from core.errors import TrackingError
from models.equivariance.groups import ChannelGroups
from models.siamese import SiamFCNet
from models.weights import save_weights
from tracker.base import TrackState, Tracker
from tracker.builder import build_from_config, build_from_dict
from tracker.got10k_adapter import Got10kAdapter
from tracker.rotation import RotationConfig
from tracker.siamfc import SiamFCConfig, SiamFCTracker
from tracker.siamrpn import SiamRPNConfig

torch.set_num_threads(1)
CONFIGS = Path(__file__).resolve().parents[1] / "configs"


class HandBuiltFeatures(nn.Module):
    """A fixed backbone: derivative-of-Gaussian responses in 4 orientations (filter ``o`` is the x-derivative
    turned by ``o`` quarter turns, so the channels form one regular field of C4), blurred and sampled every 8
    pixels. A 127 crop gives 15x15, a 255 crop 31x31: the SiamFC response is 17x17."""

    def __init__(self, grouped: bool = False, sigma: float = 2.0):
        super().__init__()
        r = np.arange(-2, 3)
        g = np.exp(-r ** 2 / 2.0)
        dx = np.outer(g, -r * g)
        filters = np.stack([np.rot90(dx, o) for o in range(4)])[:, None]
        self.register_buffer("deriv", torch.tensor(filters.copy(), dtype=torch.float32))
        r = np.arange(15) - 7
        blur = np.outer(np.exp(-r ** 2 / (2 * sigma ** 2)), np.exp(-r ** 2 / (2 * sigma ** 2)))
        self.register_buffer("blur", torch.tensor(np.repeat((blur / blur.sum())[None, None], 4, 0),
                                                  dtype=torch.float32))
        self.outputs = self.stage_names = ("layer",)
        self.stage_channels = {"layer": 4}
        self.groups = {"layer": ChannelGroups(((1, 4),))} if grouped else {}

    def forward(self, x):
        gray = x.mean(1, keepdim=True) / 255.0
        return [F.conv2d(F.conv2d(gray, self.deriv, padding=2), self.blur, stride=8, groups=4)]


class Scene:
    """A low-contrast textured background with a high-contrast textured patch pasted at a given place."""

    def __init__(self, seed=0, w=320, h=240):
        rng = np.random.default_rng(seed)
        bg = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 3)
        self.background = 128 + 10 * bg / bg.std()
        tex = cv2.GaussianBlur(rng.normal(0, 1, (96, 96)).astype(np.float32), (0, 0), 8)
        self.texture = 60 * tex / tex.std()

    def render(self, cx, cy, w, h, quarter_turns=0):
        img = self.background.copy()
        patch = np.rot90(cv2.resize(self.texture, (int(round(w)), int(round(h)))), quarter_turns)
        ph, pw = patch.shape
        x0, y0 = int(round(cx - pw / 2)), int(round(cy - ph / 2))
        img[y0:y0 + ph, x0:x0 + pw] = 128 + patch
        image = np.repeat(np.clip(img, 0, 255).astype(np.uint8)[:, :, None], 3, axis=2)
        return image, np.array([x0, y0, pw, ph], dtype=float)


def _centre_error(box, truth):
    return float(np.abs(box[:2] + box[2:] / 2 - truth[:2] - truth[2:] / 2).max())


@pytest.mark.parametrize("seed", [0, 1])
def test_siamfc_with_hand_built_features_follows_a_moving_patch(seed):
    scene = Scene(seed)
    tracker = SiamFCTracker(SiamFCNet(HandBuiltFeatures(), correlation="regular"))
    cx, cy = 100.0, 100.0
    image, truth = scene.render(cx, cy, 48, 48)
    tracker.init(image, truth)
    for _ in range(15):
        cx, cy = cx + 3.3, cy + 2.1
        image, truth = scene.render(cx, cy, 48, 48)
        assert _centre_error(tracker.update(image), truth) < 2.0


@pytest.mark.parametrize("seed", [0, 1])
def test_siamfc_with_hand_built_features_follows_a_ten_percent_size_change(seed):
    scene = Scene(seed)
    tracker = SiamFCTracker(SiamFCNet(HandBuiltFeatures(), correlation="regular"))
    cx, cy, size = 140.0, 100.0, 48.0
    image, truth = scene.render(cx, cy, size, size)
    tracker.init(image, truth)
    for i in range(15):
        size, cx = min(48 * 1.1, size * 1.1 ** 0.1), cx + 1
        image, truth = scene.render(cx, cy, size, size)
        box = tracker.update(image)
        assert _centre_error(box, truth) < 2.0
    assert truth[2] == 53  # the patch grew by 10% ...
    assert abs(box[2] / truth[2] - 1) < 0.04  # ... and the estimate followed to within 4%


def test_siamfc_rotation_estimate_follows_a_quarter_turn():
    scene = Scene(3)
    cfg = SiamFCConfig(rotation=RotationConfig(enabled=True, window=1))
    tracker = SiamFCTracker(SiamFCNet(HandBuiltFeatures(grouped=True), correlation="regular"), cfg)
    image, truth = scene.render(160, 120, 64, 28)
    tracker.init(image, truth)
    tracker.update(image)
    assert tracker.state.angle == 0
    image, truth = scene.render(160, 120, 64, 28, quarter_turns=1)
    box = tracker.update(image)
    assert tracker.state.angle == 90.0
    assert tracker.state.corners.shape == (4, 2)
    assert _centre_error(box, truth) < 2.0 and np.allclose(box[2:], truth[2:], rtol=0.15)


def test_rotation_needs_ien_groups():
    with pytest.raises(TrackingError, match="rotation.enabled"):
        SiamFCTracker(SiamFCNet(HandBuiltFeatures(), correlation="regular"),
                      SiamFCConfig(rotation=RotationConfig(enabled=True)))


def _otb(root, name, n):
    seq = root / "OTB" / name
    frames = [cv2.imread(str(p)) for p in sorted((seq / "img").glob("*.jpg"))[:n]]
    first = open(seq / "groundtruth_rect.txt").readline().replace(",", " ").split()
    box = np.array([float(v) for v in first])
    box[:2] -= 1  # OTB files are 1-based
    return frames, box


SHIPPED_CONFIGS = sorted(p.name for p in CONFIGS.glob("*.yaml"))


def test_shipped_configs_include_the_three_architectures():
    assert {"siamfc_alexnet.yaml", "siamrpnpp_resnet18.yaml", "siamrpnpp_resnet50.yaml"} <= set(SHIPPED_CONFIGS)


@pytest.mark.parametrize("config", SHIPPED_CONFIGS)
def test_every_shipped_config_tracks_a_real_sequence(shared_data, config):
    """Every YAML in configs/ (tracker and training configs alike) builds a tracker that runs init and 20
    updates (ResNet-50: 3, to stay fast) with random weights, giving finite boxes centred in the image."""
    updates = 3 if "resnet50" in config else 20
    frames, box = _otb(shared_data, "Crossing", updates + 1)
    torch.manual_seed(0)
    tracker = build_from_config(CONFIGS / config)
    boxes, scores, _ = tracker.track(frames, box)
    h, w = frames[0].shape[:2]
    assert len(boxes) == updates + 1 and np.isfinite(boxes).all() and np.isfinite(scores).all()
    centres = boxes[:, :2] + boxes[:, 2:] / 2
    assert (boxes[:, 2:] > 0).all()
    assert ((centres >= 0) & (centres <= [w, h])).all()


def test_tracker_defaults_are_the_published_ones():
    """SiamFC's paper values and pysot's SiamRPN++ values, as the issue lists them."""
    fc = SiamFCConfig()
    assert (fc.exemplar_size, fc.instance_size, fc.context) == (127, 255, 0.5)
    assert (fc.scale_num, fc.scale_step, fc.scale_penalty, fc.scale_lr) == (3, 1.0375, 0.9745, 0.59)
    assert (fc.window_influence, fc.response_up, fc.min_scale, fc.max_scale) == (0.176, 16, 0.2, 5.0)
    rpn = SiamRPNConfig()
    assert (rpn.exemplar_size, rpn.instance_size, rpn.context) == (127, 255, 0.5)
    assert rpn.anchor_ratios == [0.33, 0.5, 1.0, 2.0, 3.0] and rpn.anchor_scales == [8.0]
    assert (rpn.anchor_stride, rpn.penalty_k, rpn.window_influence, rpn.lr, rpn.min_size) == (8, 0.04, 0.44, 0.4, 10)


def test_polygon_ground_truth_initialises_with_the_area_box(shared_data):
    seq = shared_data / "VOT" / "bag"
    polygon = [float(v) for v in open(seq / "groundtruth.txt").readline().split(",")]
    image = cv2.imread(str(seq / "color" / "00000001.jpg"))
    torch.manual_seed(0)
    tracker = build_from_dict({"model": {"kind": "siamrpn", "backbone": "resnet18", "width": 0.25,
                                         "neck_channels": 16}}, "test")
    tracker.init(image, polygon)
    assert np.allclose(tracker.state.box, polygon_to_area_box(polygon))
    assert np.isfinite(tracker.update(image)).all()


def test_config_errors_name_the_file_and_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: {kind: siamfc}\ntracker: {scale_nmu: 3}\n")
    with pytest.raises(TrackingError, match=r"bad.yaml: tracker.*scale_nmu"):
        build_from_config(bad)
    bad.write_text("model: {kind: siamfc}\nmodels: {}\n")
    with pytest.raises(TrackingError, match="unknown section"):
        build_from_config(bad)
    # the crop keys both trackers share are checked for both
    for kind in ("siamfc", "siamrpn"):
        bad.write_text(f"model: {{kind: {kind}, backbone: {'alexnet' if kind == 'siamfc' else 'resnet18'}, "
                       f"width: 0.25, neck_channels: 16}}\ntracker: {{instance_size: 127}}\n")
        with pytest.raises(TrackingError, match=r"bad.yaml: tracker: need instance_size > exemplar_size >= 1, "
                                                r"got 127 and 127"):
            build_from_config(bad)


def test_checkpoint_given_to_the_builder_is_loaded_and_must_fit(tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text("model: {kind: siamfc, width: 0.25, groups: {orders: [4], ratios: [1]}}\n")
    trained = build_from_config(config)
    checkpoint = tmp_path / "tiny.safetensors"
    save_weights(trained.model, checkpoint, {"config": "tiny"})
    loaded = build_from_config(config, checkpoint=checkpoint, name="mine")
    assert loaded.name == "mine"
    assert torch.equal(loaded.model.backbone.layer2[0].weight, trained.model.backbone.layer2[0].weight)
    config.write_text("model: {kind: siamfc, width: 0.25}\n")  # same widths, no groups: still fits
    build_from_config(config, checkpoint=checkpoint)
    config.write_text("model: {kind: siamfc, width: 0.5}\n")
    with pytest.raises(TrackingError, match="tiny.safetensors"):
        build_from_config(config, checkpoint=checkpoint)


class _Recorder(Tracker):
    def initialize(self, image, box):
        self.seen = (image, box)

    def step(self, image):
        self.seen = (image, None)
        return TrackState(box=np.array([10.0, 20.0, 30.0, 40.0]))


def test_got10k_adapter_converts_colour_and_the_one_based_offset():
    rgb = np.zeros((4, 5, 3), np.uint8)
    rgb[..., 0] = 200  # red
    adapter = Got10kAdapter(_Recorder(), one_based=True)
    adapter.init(Image.fromarray(rgb), [11, 21, 30, 40])
    image, box = adapter.tracker.seen
    assert image[0, 0].tolist() == [0, 0, 200] and box.tolist() == [10, 20, 30, 40]
    assert adapter.update(Image.fromarray(rgb)).tolist() == [11, 21, 30, 40]
    assert Got10kAdapter(_Recorder()).name == "tracker"
