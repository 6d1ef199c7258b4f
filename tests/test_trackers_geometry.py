"""Tracker geometry: crops of known regions, box <-> centre/size, anchors and their decoding, rotations."""
import numpy as np
import pytest
import torch

from core.boxes import box_to_center, center_to_box
from models.equivariance.groups import ChannelGroups
from tracker.anchors import anchor_shapes, decode, encode, flatten_head, generate_anchors
from tracker.geometry import context_side, cosine_window, rotated_corners, square_crop
from tracker.rotation import RotationConfig
from tracker.template_rotation import TemplateRotator

torch.set_num_threads(1)


def _ramp(h=120, w=160):
    ys, xs = np.mgrid[0:h, 0:w]
    return np.stack([xs, ys, (xs + 2 * ys) % 256], axis=-1).astype(np.uint8)


def test_square_crop_takes_the_known_region_and_resamples_it():
    img = _ramp()
    crop = square_crop(img, (50, 40), 30, 30, pad_color=(0, 0, 0))
    assert np.array_equal(crop, img[25:55, 35:65])  # centre (50, 40), side 30: x 35..65, y 25..55
    half = square_crop(img, (50, 40), 30, 15, pad_color=(0, 0, 0))
    # 2:1 downsampling: output pixel u averages source x 35 + 2u and 36 + 2u
    assert np.allclose(half[:, :, 0].astype(float), 35.5 + 2 * np.arange(15)[None, :], atol=0.51)
    outside = square_crop(img, (5, 5), 30, 30, pad_color=(7, 8, 9))
    assert tuple(outside[0, 0]) == (7, 8, 9) and np.array_equal(outside[10:, 10:], img[0:20, 0:20])


def test_box_centre_size_round_trip_and_context_side():
    box = np.array([10.0, 20.0, 30.0, 40.0])
    center, size = box_to_center(box)
    assert np.allclose(center, [25, 40]) and np.allclose(size, [30, 40])
    assert np.allclose(center_to_box(center, size), box)
    assert context_side((30, 40), 0.5) == pytest.approx(np.sqrt(65 * 75))
    # many candidate sizes at once (SiamRPN++'s size penalty), each as if alone
    sides = context_side((np.array([30.0, 10.0]), np.array([40.0, 10.0])), 0.5)
    assert sides.shape == (2,) and np.allclose(sides, [np.sqrt(65 * 75), 20.0])
    assert isinstance(context_side((30, 40), 0.5), float)
    window = cosine_window(17)
    assert window.sum() == pytest.approx(1.0) and np.unravel_index(window.argmax(), window.shape) == (8, 8)


def test_anchors_have_pysot_shapes_and_grid_layout():
    shapes = anchor_shapes(8, [0.33, 0.5, 1, 2, 3], [8])
    assert shapes.tolist() == [[104, 32], [88, 40], [64, 64], [40, 80], [32, 96]]
    anchors = generate_anchors(8, [0.33, 0.5, 1, 2, 3], [8], 25)
    assert anchors.shape == (5 * 625, 4)
    # index = anchor * 625 + row * 25 + col; the centre cell is at offset 0, a step is 8 px
    assert np.allclose(anchors[2 * 625 + 12 * 25 + 12], [0, 0, 64, 64])
    assert np.allclose(anchors[4 * 625 + 0 * 25 + 24], [96, -96, 32, 96])


def test_anchor_decoding_inverts_encoding():
    anchors = generate_anchors(8, [0.5, 1, 2], [8], 5)
    rng = np.random.default_rng(0)
    boxes = np.column_stack([rng.uniform(-40, 40, (len(anchors), 2)), rng.uniform(10, 200, (len(anchors), 2))])
    assert np.allclose(decode(encode(boxes, anchors), anchors), boxes)


def test_head_channels_are_component_major():
    k, s = 2, 3
    cls = np.arange(2 * k * s * s, dtype=float).reshape(2 * k, s, s)
    loc = np.arange(4 * k * s * s, dtype=float).reshape(4 * k, s, s)
    logits, deltas = flatten_head(cls, loc, k)
    # anchor 1, cell (2, 0): background channel 1, foreground channel k + 1
    i = 1 * s * s + 2 * s + 0
    assert logits[i].tolist() == [cls[1, 2, 0], cls[k + 1, 2, 0]]
    assert deltas[i].tolist() == [loc[c * k + 1, 2, 0] for c in range(4)]


def test_rotated_corners_turn_counter_clockwise_on_screen():
    corners = rotated_corners((50, 50), (20, 10), 90)
    # a wide box turned a quarter counter-clockwise becomes tall; the top-left corner goes to the bottom-left
    assert np.allclose(corners.min(axis=0), [45, 40]) and np.allclose(corners.max(axis=0), [55, 60])
    assert np.allclose(corners[0], [45, 60])


class _Model:
    def __init__(self, groups):
        self.level_groups = [groups]


def test_template_rotation_rolls_orientations_and_turns_the_map():
    groups = ChannelGroups(((2, 4), (1, 2)))
    rotator = TemplateRotator(_Model(groups), RotationConfig(enabled=True))
    assert rotator.steps.order == 4 and rotator.steps.candidates(0) == [0, 1, 3]
    f = torch.randn(1, groups.channels, 5, 5)
    (out,) = rotator.rotate([f], 1)
    expected = torch.rot90(groups.shift(f, [1, 0]), 1, dims=(-2, -1))
    assert torch.allclose(out[:, :8], expected[:, :8])
    assert torch.count_nonzero(out[:, 8:]) == 0  # the order-2 block cannot express a 90-degree turn


def test_template_rotation_by_an_eighth_turn_resamples_and_rolls_by_one():
    groups = ChannelGroups(((1, 8),))
    rotator = TemplateRotator(_Model(groups), RotationConfig(enabled=True, window=2))
    assert rotator.steps.order == 8 and rotator.steps.candidates(7) == [0, 1, 5, 6, 7]
    f = torch.zeros(1, 8, 9, 9)
    f[0, 0, 4, 8] = 1.0  # orientation 0, right of the centre
    (out,) = rotator.rotate([f], 1)
    # 45 degrees counter-clockwise on screen: up and to the right; the field's orientation 0 -> 1
    assert out[0, 1].argmax().item() == 1 * 9 + 7 and out[0, 0].abs().max() < 1e-6


def test_scale_search_factors_penalties_and_clipped_follow():
    from types import SimpleNamespace

    from core.errors import TrackingError
    from tracker.scale_search import ScaleSearch

    cfg = SimpleNamespace(scale_num=3, scale_step=1.25, scale_penalty=0.9, scale_lr=0.5, min_scale=0.5, max_scale=1.2)
    search = ScaleSearch(cfg)
    assert np.allclose(search.factors, [0.8, 1.0, 1.25]) and np.allclose(search.penalties, [0.9, 1.0, 0.9])
    assert search.follow(1.0, 2) == pytest.approx(1.125)  # half-way to 1.25
    assert search.follow(1.0, 1) == 1.0
    assert search.follow(1.15, 2) == 1.2  # clipped at max_scale
    with pytest.raises(TrackingError, match="scale_num"):
        ScaleSearch(SimpleNamespace(**{**vars(cfg), "scale_num": 2}))
