"""Training targets and tracker decoding agree: a ground-truth box encoded by the training code, fed to the tracker
as the head output that makes the training loss zero, comes back as the same box in image pixels.

Why: the targets (training/targets.py, training/losses.py) and the tracker (tracker/siamrpn.py, tracker/anchors.py)
each read the head's ``4k`` regression channels and place anchors on the score map on their own; a disagreement
(coordinate- vs anchor-major channels, anchors off the crop centre, another box parametrisation) would train a
head the tracker misreads. Checked in the tracker's geometry (255 px search crops, 17x17 map) and in the
training geometry (191 px, 9x9), with a tall target off the crop centre so that swapped axes or channels show.
"""
import math

import numpy as np
import pytest
import torch
import torch.nn as nn

from tracker.anchors import generate_anchors
from tracker.geometry import context_side
from tracker.siamrpn import SiamRPNConfig, SiamRPNTracker
from training.losses import rpn_loss
from training.targets import anchor_targets

torch.set_num_threads(1)

K = 5
IMAGE = np.zeros((480, 640, 3), np.uint8)
START = np.array([300.0, 200.0, 40.0, 70.0])


class TargetHead(nn.Module):
    """A SiamRPN stand-in whose head returns fixed ``cls`` and ``loc`` maps ``(1, 2k | 4k, S, S)``."""

    kind, total_stride, anchor_num = "siamrpn", 8, K

    def __init__(self, cls, loc):
        super().__init__()
        self.cls, self.loc = cls, loc

    def template(self, z):
        return z

    def search(self, x):
        return x

    def head(self, zf, xf):
        return self.cls, self.loc


def _head_from_targets(labels, deltas, score_size):
    """The head output ``(cls, loc)`` on which :func:`training.losses.rpn_loss` is zero for these targets: the
    inverse of the loss's reading of the channels (foreground logit +30 on positives, -30 elsewhere)."""
    fg = torch.where(labels == 1, 30.0, -30.0)
    cls = torch.stack([torch.zeros_like(fg), fg], dim=1).reshape(1, 2 * K, score_size, score_size)
    loc = deltas.permute(0, 2, 1).reshape(1, 4 * K, score_size, score_size)
    return cls, loc


@pytest.mark.parametrize("instance_size, score_size", [(255, 17), (191, 9)])
def test_a_box_encoded_by_training_decodes_to_itself_in_the_tracker(instance_size, score_size):
    cfg = SiamRPNConfig(instance_size=instance_size, anchor_ratios=[0.33, 0.5, 1.0, 2.0, 3.0], anchor_scales=[8.0],
                        penalty_k=0.0, window_influence=0.0, lr=1.0, min_size=1.0)
    # the next frame's target: moved by (+13, -9) image pixels from the first frame's centre (320, 235), 36 x 75
    truth = np.array([333.0 - 18.0, 226.0 - 37.5, 36.0, 75.0])
    scale_z = cfg.exemplar_size / context_side(START[2:], cfg.context)
    centre = START[:2] + START[2:] / 2
    in_crop = np.concatenate([(truth[:2] - centre) * scale_z + instance_size / 2, truth[2:] * scale_z])
    anchors = generate_anchors(cfg.anchor_stride, cfg.anchor_ratios, cfg.anchor_scales, score_size)
    labels, deltas = anchor_targets(anchors, torch.tensor(in_crop[None], dtype=torch.float32), [True], [3],
                                    instance_size)
    positives = torch.nonzero(labels[0] == 1).flatten()
    # the tall target is positive for the tall anchors (height/width 2 and 3), never only for the square one
    assert len(positives) > 0 and set((positives // score_size ** 2).tolist()) & {3, 4}
    cls, loc = _head_from_targets(labels, deltas, score_size)
    cls_loss, loc_loss = rpn_loss(cls, loc, labels, deltas)
    assert cls_loss.item() < 1e-9 and loc_loss.item() == 0.0

    tracker = SiamRPNTracker(TargetHead(cls, loc), cfg)
    tracker.init(IMAGE, START)
    box, score = tracker.update(IMAGE, return_score=True)
    assert score == pytest.approx(1.0)
    # the box comes back exactly (float32 crop coordinates: well under a hundredth of a pixel)
    assert box == pytest.approx(truth, abs=0.01)
    assert math.isclose(box[3] / box[2], 75.0 / 36.0, rel_tol=1e-4)
