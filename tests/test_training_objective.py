"""Targets, losses and the three training modes on tiny models and fixed batches."""
import numpy as np
import pytest
import torch

from models.equivariance.actions import make_group
from training.objective import TrainingObjective, transform_boxes
from training.optim import build_optimizer
from training.targets import siamfc_labels

from training_helpers import (RPN_SEARCH, RPN_TEMPLATE, SEARCH, TEMPLATE, TINY_SIAMFC, TINY_SIAMRPN, fixed_batch,
                              tiny_model, train_config)

torch.set_num_threads(1)


def _bright_box_image(size, box):
    image = torch.zeros(1, 1, size, size)
    x, y, w, h = box
    image[..., y:y + h, x:x + w] = 255.0
    return image


def _measured_box(image):
    ys, xs = np.nonzero(image[0, 0].numpy() > 127)
    return np.array([xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()], dtype=float)


@pytest.mark.parametrize("group_name, element, tol", [("C4", 1, 0.01), ("C4", 3, 0.01), ("D4", 5, 0.01),
                                                      ("C8", 1, 1.5), ("scale", 1, 1.5), ("scale", 2, 1.5)])
def test_transformed_boxes_follow_the_transformed_image(group_name, element, tol):
    """The box of a transformed copy is where group.act really puts the target (rotation sense, mirror, zoom)."""
    group = make_group(group_name)
    box = (70, 40, 30, 50)  # off-centre and not square, so a wrong sense or a swapped axis shows
    image = _bright_box_image(SEARCH, box)
    g = torch.tensor([element])
    moved = group.act(image, g)
    expected = transform_boxes(group, g, torch.tensor([box], dtype=torch.float32), SEARCH)[0].numpy()
    assert np.abs(_measured_box(moved) - expected).max() <= tol


def test_siamfc_labels_mark_cells_within_the_radius_and_balance_weights():
    # target centre 16 px right of the crop centre: cells at offsets 0, 8, 16, 24, 32 px along x are within 16 px
    boxes = torch.tensor([[SEARCH / 2 + 16 - 10, SEARCH / 2 - 10, 20, 20], [0, 0, 20, 20]])
    labels, weights = siamfc_labels(boxes, torch.tensor([True, False]), 7, SEARCH, 8, 16.0)
    row = labels[0, 0, 3]
    assert row.tolist() == [0, 0, 0, 1, 1, 1, 1]  # offsets -24..24: |d - 16| <= 16 for d = 0, 8, 16, 24
    # centre row 4; rows dy = +-8: |dx - 16| <= 13.9 -> 3 each; rows dy = +-16: only dx = 16 -> 1 each
    assert labels[0].sum() == 12
    assert labels[1].sum() == 0  # a negative pair has no positive
    assert torch.allclose(weights.flatten(1).sum(1), torch.ones(2))
    assert torch.isclose((weights[0] * labels[0]).sum(), torch.tensor(0.5))


def _train_few_steps(model, cfg, batch, steps, anchors_fn=None):
    objective = TrainingObjective(model, cfg, anchors_fn)
    optimizer = build_optimizer(model.parameters(), cfg)
    model.train()
    history = []
    for _ in range(steps):
        total, terms = objective(batch["z"], batch["x"], batch["boxes"], batch["positive"], batch["seeds"])
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        history.append({"total": float(total.detach())} | {k: float(v.detach()) for k, v in terms.items()})
    return history


@pytest.mark.parametrize("mode", ["plain", "ien"])
def test_siamfc_loss_falls_on_a_fixed_batch(mode):
    cfg = train_config(mode=mode, optimizer="adamw", lr=3e-3, ien={"group": "C4"})
    history = _train_few_steps(tiny_model(TINY_SIAMFC), cfg, fixed_batch(4, TEMPLATE, SEARCH), 12)
    assert history[-1]["total"] < 0.9 * history[0]["total"]
    assert history[-1]["cls"] < history[0]["cls"]
    if mode == "ien":
        assert history[-1]["ien"] < history[0]["ien"]
        assert history[0]["ien"] > 0


def _anchors(size):
    from tracker.anchors import generate_anchors

    return generate_anchors(8, [0.33, 0.5, 1.0, 2.0, 3.0], [8.0], size)


@pytest.mark.parametrize("mode", ["plain", "ien"])
def test_siamrpn_loss_falls_on_a_fixed_batch(mode):
    cfg = train_config(mode=mode, optimizer="adamw", lr=3e-3, ien={"group": "C4"})
    model = tiny_model(TINY_SIAMRPN)
    history = _train_few_steps(model, cfg, fixed_batch(2, RPN_TEMPLATE, RPN_SEARCH), 8, _anchors)
    assert history[-1]["total"] < 0.9 * history[0]["total"]
    assert history[-1]["cls"] < history[0]["cls"] and history[-1]["loc"] < history[0]["loc"]
    if mode == "ien":
        assert history[-1]["ien"] < history[0]["ien"]


def test_rotaug_and_ien_see_the_same_images():
    """``ien`` differs from ``rotaug`` only by the equivariance term: same copies, same task loss."""
    batch = fixed_batch(3, TEMPLATE, SEARCH)
    out = {}
    for mode in ("rotaug", "ien"):
        model = tiny_model(TINY_SIAMFC)
        objective = TrainingObjective(model, train_config(mode=mode, ien={"group": "C8"}))
        with torch.no_grad():
            total, terms = objective(batch["z"], batch["x"], batch["boxes"], batch["positive"],
                                     batch["seeds"])
        out[mode] = (float(total), {k: float(v) for k, v in terms.items()})
    assert out["rotaug"][1]["cls"] == pytest.approx(out["ien"][1]["cls"], rel=1e-6)
    assert out["ien"][0] == pytest.approx(out["ien"][1]["cls"] + out["ien"][1]["ien"], rel=1e-6)
    assert "ien" not in out["rotaug"][1]


def test_anchor_targets_sample_positives_and_negatives_and_encode_the_box():
    from training.targets import anchor_targets

    anchors = _anchors(25)  # (5 * 625, 4): cx, cy, w, h offsets from the crop centre
    a = 2 * 625 + 12 * 25 + 12  # the square anchor (ratio 1, 64 x 64) at the centre cell
    box = [RPN_SEARCH / 2 - 32, RPN_SEARCH / 2 - 32, 64, 64]  # exactly that anchor
    boxes = torch.tensor([box, box], dtype=torch.float32)
    labels, deltas = anchor_targets(anchors, boxes, torch.tensor([True, False]), [5, 6], RPN_SEARCH)
    assert labels[0, a] == 1 and torch.allclose(deltas[0, a], torch.zeros(4), atol=1e-6)
    n_pos = int((labels[0] == 1).sum())
    assert 1 <= n_pos <= 16 and int((labels[0] == 0).sum()) == 64 - n_pos
    assert int((labels[1] == 1).sum()) == 0 and int((labels[1] == 0).sum()) == 64  # a negative pair
    shifted = torch.tensor([[box[0] + 8, box[1], 64, 64]])  # one cell right: dx = 8 / 64 for the same anchor
    _, d = anchor_targets(anchors, shifted, torch.tensor([True]), [5], RPN_SEARCH)
    assert d[0, a, 0] == pytest.approx(0.125) and d[0, a, 2] == pytest.approx(0.0, abs=1e-6)
    again, _ = anchor_targets(anchors, boxes, torch.tensor([True, False]), [5, 6], RPN_SEARCH)
    assert torch.equal(again, labels)  # seeded per sample
