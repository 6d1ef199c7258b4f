"""SiamRPN++ scoring, checked against numbers worked out by hand: decoding with the size-change penalty and
the cosine window (pysot's rules), the training loss's class index and layout, and the per-branch fusion
weights of the multi-level RPN. Each test is built so that one plausible slip changes its answer
(``tests/plant_bugs.py`` plants those slips and shows which test fails)."""
import math

import numpy as np
import pytest
import torch
import torch.nn as nn

from models.heads import MultiRPN
from tracker.anchors import encode, generate_anchors
from tracker.siamrpn import SiamRPNConfig, SiamRPNTracker
from training.losses import rpn_loss

torch.set_num_threads(1)

CELLS = 25 * 25
CENTRE = (12, 12)
IMAGE = np.zeros((400, 500, 3), np.uint8)
START = np.array([200.0, 150.0, 40.0, 60.0])          # centre (220, 180)
SCALE_Z = 127 / math.sqrt((40 + 50) * (60 + 50))     # template side sqrt((w + p)(h + p)), p = (w + h) / 2


class ScriptedRPN(nn.Module):
    """A SiamRPN stand-in whose head scores chosen anchors: ``candidates`` maps an anchor index to (foreground
    probability, regression deltas); every other anchor has probability ~1e-9 and zero deltas."""

    kind, total_stride, anchor_num = "siamrpn", 8, 5

    def __init__(self, candidates):
        super().__init__()
        self.candidates = candidates

    def template(self, z):
        return z

    def search(self, x):
        return x

    def head(self, zf, xf):
        cls = torch.zeros(1, 10, 25, 25)
        cls[0, 5:] = -20.0                                 # foreground logits; background logits are 0
        loc = torch.zeros(1, 20, 25, 25)
        for index, (probability, deltas) in self.candidates.items():
            a, cell = divmod(index, CELLS)
            row, col = divmod(cell, 25)
            cls[0, 5 + a, row, col] = math.log(probability / (1 - probability))
            for c in range(4):
                loc[0, c * 5 + a, row, col] = float(deltas[c])
        return cls, loc


def _candidate(anchor, cell, move, size, probability):
    """``{index: (probability, deltas)}`` for anchor ``anchor`` at ``cell`` (row, col) predicting a target moved
    by ``move`` image pixels from the current centre, of ``size`` image pixels."""
    anchors = generate_anchors(8, SiamRPNConfig().anchor_ratios, [8.0], 25)
    index = anchor * CELLS + cell[0] * 25 + cell[1]
    target = np.concatenate([move, size]) * SCALE_Z        # in search-crop pixels about the crop centre
    return {index: (probability, encode(target[None], anchors[index:index + 1])[0])}


def _track(candidates, cfg=None):
    tracker = SiamRPNTracker(ScriptedRPN(candidates), cfg or SiamRPNConfig())
    tracker.init(IMAGE, START)
    box, score = tracker.update(IMAGE, return_score=True)
    return box[:2] + box[2:] / 2, box[2:], score


def _penalty(old, new, k=0.04):
    """pysot's size-change penalty exp(-(r s - 1) k), with s the change of sqrt((w + p)(h + p)), p = (w + h) / 2,
    and r the change of aspect ratio (each change taken as max(x, 1/x))."""
    def side(w, h):
        p = (w + h) / 2
        return math.sqrt((w + p) * (h + p))
    s = side(*new) / side(*old)
    r = (old[0] / old[1]) / (new[0] / new[1])
    return math.exp(-(max(r, 1 / r) * max(s, 1 / s) - 1) * k)


def test_decoding_recovers_a_known_displacement_and_size():
    cfg = SiamRPNConfig(window_influence=0.0, penalty_k=0.0, lr=1.0)
    probability = 1 / (1 + math.exp(-5.0))
    # the target moved by (+23, -17) px and is now 46 x 57, predicted by anchor 3 at row 10, column 14
    centre, size, score = _track(_candidate(3, (10, 14), [23, -17], [46, 57], probability), cfg)
    assert centre == pytest.approx([243, 163], abs=1e-6)
    # lr = penalty (1) * score * 1.0: the size moves that fraction of the way
    assert size == pytest.approx(np.array([40, 60]) * (1 - probability) + np.array([46, 57]) * probability,
                                 rel=1e-6)      # the head's logits are float32
    assert score == pytest.approx(probability)


def test_cosine_window_prefers_a_central_peak_to_a_stronger_far_one():
    """Both candidates keep the size (penalty 1). Windowed scores with pysot's Hann window (peak 1):
    centre 0.56 * 0.80 + 0.44 * 1 = 0.888; eight cells right, where the window is hann(20) = 0.25,
    0.56 * 0.95 + 0.44 * 0.25 = 0.642. Without the window the far one (0.95) would win."""
    near = _candidate(2, CENTRE, [3, -2], [40, 60], 0.80)
    far = _candidate(2, (12, 20), [64 / SCALE_Z, 0], [40, 60], 0.95)
    centre, size, _ = _track({**near, **far})
    assert centre == pytest.approx([223, 178], abs=1e-6)
    assert size == pytest.approx([40, 60], abs=1e-6)


def test_size_change_penalty_prefers_a_steady_box_to_a_stronger_deformed_one():
    """Same cell (same window, 1): the steady box scores 0.56 * 0.80 + 0.44 = 0.888; a box three times wider
    scores 0.56 * 0.90 * p + 0.44 with p = 0.840 (r = 3, s = 1.784), i.e. 0.863. Unpenalised it would be 0.944."""
    deformed_penalty = _penalty((40, 60), (120, 60))
    assert deformed_penalty == pytest.approx(0.840, abs=1e-3)
    steady = _candidate(2, CENTRE, [3, -2], [40, 60], 0.80)
    deformed = _candidate(4, CENTRE, [-4, 5], [120, 60], 0.90)
    centre, _, _ = _track({**steady, **deformed})
    assert centre == pytest.approx([223, 178], abs=1e-6)


def test_size_moves_by_the_penalised_confidence_times_lr():
    """One candidate, twice as wide and 0.8 times as high, probability 0.9: lr = penalty * 0.9 * 0.4 with
    penalty 0.916 (r = 2.5, s = 1.276). The centre jumps to the prediction; the size moves lr of the way."""
    penalty = _penalty((40, 60), (80, 48))
    assert penalty == pytest.approx(0.916, abs=1e-3)
    centre, size, score = _track(_candidate(2, CENTRE, [6, 4], [80, 48], 0.9))
    lr = penalty * 0.9 * 0.4
    assert centre == pytest.approx([226, 184], abs=1e-6)
    assert size == pytest.approx(np.array([40, 60]) * (1 - lr) + np.array([80, 48]) * lr, rel=1e-6)
    assert score == pytest.approx(0.9)


def _softplus(v):
    return math.log(1 + math.exp(v))


def test_rpn_loss_scores_positives_with_the_foreground_class():
    """Two anchors (k = 2) on a 2 x 2 map: anchor index a * 4 + row * 2 + col, class c of anchor a in channel
    c * 2 + a. Sample 0 has positives 0 and 5 and negatives 1, 3, 4; sample 1 only negatives (2 and 7)."""
    bg = [[0.2, 1.5, -0.3, 0.7, 2.0, -1.0, 0.0, 0.4], [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, -2.0]]
    fg = [[1.7, -0.5, 0.9, 0.1, 0.5, 0.6, 0.0, 0.3], [0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 1.0]]
    cls = torch.zeros(2, 4, 2, 2)
    for b in range(2):
        for i in range(8):
            a, cell = divmod(i, 4)
            cls[b, a, cell // 2, cell % 2] = bg[b][i]
            cls[b, 2 + a, cell // 2, cell % 2] = fg[b][i]
    labels = torch.tensor([[1, 0, -1, 0, 0, 1, -1, -1], [-1, -1, 0, -1, -1, -1, -1, 0]])
    deltas = torch.zeros(2, 8, 4)
    deltas[0, 0] = torch.tensor([0.1, -0.2, 0.3, 0.0])
    deltas[0, 5] = torch.tensor([0.0, 0.5, -0.5, 1.0])
    loc = torch.zeros(2, 8, 2, 2)                       # predictions 0: the L1 is the targets' own size
    loc[0, 0 * 2 + 1, 0, 1] = 0.5                        # x of anchor 1 at cell 1 = index 5: |0.0 - 0.5|
    cls_loss, loc_loss = rpn_loss(cls, loc, labels, deltas)
    # -log softmax: a positive costs softplus(bg - fg), a negative softplus(fg - bg)
    positives = (_softplus(0.2 - 1.7) + _softplus(-1.0 - 0.6)) / 2
    negatives = (_softplus(-0.5 - 1.5) + _softplus(0.1 - 0.7) + _softplus(0.5 - 2.0)) / 3
    only_negatives = (_softplus(0.5 - 1.0) + _softplus(1.0 + 2.0)) / 2
    assert cls_loss.item() == pytest.approx(((positives + negatives) / 2 + only_negatives) / 2, rel=1e-6)
    # L1 over the positives' deltas: anchor 0: 0.6; anchor 5: 0.5 + 0.5 + 0.5 + 1.0 = 2.5; mean 1.55; the
    # sample without positives contributes 0
    assert loc_loss.item() == pytest.approx((0.6 + 2.5) / 2 / 2, rel=1e-6)


class _FixedRPN(nn.Module):
    def __init__(self, cls, loc):
        super().__init__()
        self.cls, self.loc = cls, loc

    def forward(self, z, x):
        return torch.full((1, 2, 3, 3), self.cls), torch.full((1, 4, 3, 3), self.loc)


def test_multi_level_rpn_fuses_each_branch_with_its_own_weights():
    """Classification weights softmax(0, ln 3) = (0.25, 0.75); regression weights softmax(ln 4, 0) = (0.8, 0.2)."""
    head = MultiRPN([4, 4], anchors=1)
    head.rpns = nn.ModuleList([_FixedRPN(1.0, 10.0), _FixedRPN(5.0, 20.0)])
    with torch.no_grad():
        head.cls_weight.copy_(torch.tensor([0.0, math.log(3.0)]))
        head.loc_weight.copy_(torch.tensor([math.log(4.0), 0.0]))
    cls, loc = head([None, None], [None, None])
    assert torch.allclose(cls, torch.full_like(cls, 0.25 * 1 + 0.75 * 5))
    assert torch.allclose(loc, torch.full_like(loc, 0.8 * 10 + 0.2 * 20))
