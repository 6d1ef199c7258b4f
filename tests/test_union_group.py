"""The union of C4 and scale (``train.ien.group: C4+scale``): each pair gets one element of either part, drawn with
the configured weights, and a drawn element costs exactly what it costs under its own part alone."""
import math
from unittest import mock

import numpy as np
import pytest
import torch

from core.errors import TrackingError
from models.equivariance.actions import make_group
from training import objective as objective_module
from training.objective import TrainingObjective, sample_elements, transform_boxes

from training_helpers import SEARCH, TEMPLATE, TINY_SIAMFC, fixed_batch, tiny_model, train_config

torch.set_num_threads(1)


def _within_binomial(count, n, p, sds=4.0):
    return abs(count - n * p) <= sds * math.sqrt(n * p * (1 - p))


@pytest.mark.parametrize("weights", [[0.5, 0.5], [0.8, 0.2]])
def test_per_sample_draws_follow_the_weights_and_cover_every_element(weights):
    """What training draws (one generator per sample seed): the rotation share is the configured weight, and
    within each part every non-identity element is equally likely; the identity is never drawn."""
    group = make_group("C4+scale", weights=weights)
    n = 6000
    g = sample_elements(group, torch.arange(n) * 7 + 1).numpy()
    counts = np.bincount(g, minlength=group.size)
    assert counts[0] == 0 and group.size == 1 + 3 + 4
    p_rot = weights[0] / sum(weights)
    assert _within_binomial(counts[1:4].sum(), n, p_rot)
    for e in range(1, 4):
        assert _within_binomial(counts[e], n, p_rot / 3)
    for e in range(4, 8):
        assert _within_binomial(counts[e], n, (1 - p_rot) / 4)


def test_batch_draw_with_a_fixed_generator_is_reproducible_and_weighted():
    group = make_group("C4+scale", weights=[3, 1])
    a = group.sample(8000, torch.Generator().manual_seed(5))
    assert torch.equal(a, group.sample(8000, torch.Generator().manual_seed(5)))
    assert _within_binomial(int((a <= 3).sum()), 8000, 0.75)


def test_union_elements_are_their_parts_elements():
    union, c4, scale = make_group("C4+scale"), make_group("C4"), make_group("scale")
    x = torch.randn(2, 3, 15, 15)
    for e in range(1, 4):
        assert union.describe(e) == c4.describe(e)
        assert torch.equal(union.act(x, torch.tensor([e, e])), c4.act(x, torch.tensor([e, e])))
    for e in range(1, 5):
        assert union.describe(3 + e) == scale.describe(e)
        assert torch.equal(union.act_inverse(x, torch.tensor([3 + e] * 2)), scale.act_inverse(x, torch.tensor([e] * 2)))
        assert torch.equal(union.mask(torch.tensor([3 + e]), 15, 15), scale.mask(torch.tensor([e]), 15, 15))
    boxes = torch.tensor([[70.0, 40.0, 30.0, 50.0]])
    assert torch.equal(transform_boxes(union, torch.tensor([5]), boxes, SEARCH),
                       transform_boxes(scale, torch.tensor([2]), boxes, SEARCH))


def _objective_terms(group_cfg, elements, batch):
    """Loss terms of one forward pass of the ien objective with the copies' elements fixed to ``elements``."""
    objective = TrainingObjective(tiny_model(TINY_SIAMFC), train_config(mode="ien", ien=group_cfg))
    with mock.patch.object(objective_module, "sample_elements", return_value=torch.tensor(elements)), \
            torch.no_grad():
        total, terms = objective(batch["z"], batch["x"], batch["boxes"], batch["positive"], batch["seeds"])
    return float(total), {k: float(v) for k, v in terms.items()}


@pytest.mark.parametrize("union_elements, part, part_elements", [([1, 3, 2], "C4", [1, 3, 2]),
                                                                  ([4, 7, 5], "scale", [1, 4, 2])])
def test_a_drawn_element_costs_what_it_costs_under_its_own_group(union_elements, part, part_elements):
    """Total, task loss and every layer's E under C4+scale equal C4's (or scale's) for the same elements."""
    batch = fixed_batch(3, TEMPLATE, SEARCH)
    union = _objective_terms({"group": "C4+scale", "union_weights": [2, 1]}, union_elements, batch)
    alone = _objective_terms({"group": part}, part_elements, batch)
    assert union[1].keys() == alone[1].keys() and union[1]["ien"] > 0
    for key in union[1]:
        assert union[1][key] == pytest.approx(alone[1][key], rel=1e-6, abs=1e-9), key
    assert union[0] == pytest.approx(alone[0], rel=1e-6)


def test_union_weights_are_checked_with_the_config_key_named():
    with pytest.raises(TrackingError, match=r"train.ien: group C4\+scale: needs one weight > 0 per part \(2\)"):
        TrainingObjective(tiny_model(TINY_SIAMFC),
                          train_config(mode="ien", ien={"group": "C4+scale", "union_weights": [1, 0]}))
    with pytest.raises(TrackingError, match="train.ien: group C4: unexpected parameters"):
        TrainingObjective(tiny_model(TINY_SIAMFC), train_config(mode="rotaug", ien={"union_weights": [1, 1]}))
