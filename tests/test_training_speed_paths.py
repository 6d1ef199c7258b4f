"""The training step's fast paths give what the per-sample computations they replaced give: batched group actions,
mask and channel tables, batched box transforms, channels-last training; and the benchmark's loss-agreement rule."""
import numpy as np
import pytest
import torch

from benchmarks.training_compare import loss_agreement
from core.crop import transform_box
from models.equivariance.actions import _channel_act, align_features, act_features, make_group
from models.equivariance.groups import ChannelGroups
from models.equivariance.loss import GradInLayout
from training.objective import TrainingObjective, element_matrix, transform_boxes
from training.optim import build_optimizer

from training_helpers import SEARCH, TEMPLATE, TINY_SIAMFC, fixed_batch, tiny_model, train_config

torch.set_num_threads(1)

HETERO = ChannelGroups(((2, 8), (1, 4), (2, 2)))  # heterogeneous: 16 + 4 + 4 channels


def _per_sample(f, g, group, channels, form, inverse):
    """The per-sample reference: each sample on its own, channel action, spatial action, masks element by element."""
    outs, weights = [], []
    for i, e in enumerate(g.tolist()):
        part = f[i:i + 1]
        part = channels.pool(part) if form == "pooled" else _channel_act(part, e, group, channels, inverse)
        outs.append(group._apply(part, e, inverse))
        keep = torch.cat([torch.full((m * (1 if form == "pooled" else n),),
                                     float(group.channel_action(e, n) is not None)) for m, n in channels.blocks])
        weights.append(keep[:, None, None] * group._valid(*f.shape[-2:], e, "cpu", inverse))
    return torch.cat(outs), torch.stack(weights)


@pytest.mark.parametrize("group_name", ["C4", "C8", "D8"])
@pytest.mark.parametrize("form", ["pooled", "regular"])
@pytest.mark.parametrize("inverse", [False, True])
def test_batched_feature_actions_equal_the_per_sample_computation(group_name, form, inverse):
    group = make_group(group_name)
    gen = torch.Generator().manual_seed(1)
    g = torch.cat([torch.randperm(group.size, generator=gen) for _ in range(2)])  # every element, shuffled
    f = torch.randn(len(g), HETERO.channels, 11, 11, generator=gen)
    out, weight = (align_features if inverse else act_features)(f, g, group, HETERO, form)
    want_out, want_weight = _per_sample(f, g, group, HETERO, form, inverse)
    assert torch.equal(out, want_out)
    assert torch.equal(weight, want_weight)
    assert 0 < float(weight.mean()) < 1  # masks that drop blocks and disk corners are really exercised


def test_channels_last_features_give_the_same_actions():
    group = make_group("C8")
    f = torch.randn(6, HETERO.channels, 9, 9, generator=torch.Generator().manual_seed(2))
    g = torch.tensor([1, 2, 3, 5, 7, 2])
    plain = align_features(f, g, group, HETERO, "regular")
    last = align_features(f.contiguous(memory_format=torch.channels_last), g, group, HETERO, "regular")
    assert torch.equal(plain[0], last[0]) and torch.equal(plain[1], last[1])


def test_per_element_reassembles_the_batch_order():
    group = make_group("D4")
    x = torch.arange(10.0).view(10, 1, 1, 1)
    g = torch.tensor([3, 1, 7, 3, 0, 5, 1, 7, 2, 6])
    out = group.per_element(x, g, lambda part, e: part * 100 + e)
    assert out.flatten().tolist() == [i * 100 + e for i, e in enumerate(g.tolist())]


@pytest.mark.parametrize("group_name", ["C4", "D8", "scale"])
def test_batched_box_transform_equals_the_per_box_transform(group_name):
    group = make_group(group_name)
    gen = torch.Generator().manual_seed(3)
    boxes = torch.cat([torch.rand(12, 2, generator=gen) * 150, 5 + torch.rand(12, 2, generator=gen) * 60], dim=1)
    g = torch.randint(1, group.size, (12,), generator=gen)
    got = transform_boxes(group, g, boxes, SEARCH)
    want = [transform_box(element_matrix(group, e, SEARCH), b) for e, b in zip(g.tolist(), boxes.tolist())]
    assert got.dtype == boxes.dtype
    np.testing.assert_allclose(got.numpy(), np.array(want, dtype=np.float32), rtol=0, atol=1e-4)


def _gradient_layout(wrap) -> bool:
    """Whether the gradient reaching a channels-last tapped output is channels-last after an IEN-like term."""
    leaf = torch.randn(4, 8, 5, 5).contiguous(memory_format=torch.channels_last).requires_grad_()
    f = leaf * 1.0  # not a leaf: autograd hands it whatever layout the gradient has
    seen = []
    f.register_hook(lambda grad: seen.append(grad.is_contiguous(memory_format=torch.channels_last)))
    target, moved = (GradInLayout.apply(f) if wrap else f).chunk(2)
    (target.amax(dim=1) - torch.rot90(moved, 1, (2, 3)).amax(dim=1)).pow(2).sum().backward()
    return seen[0]


def test_the_ien_gradient_leaves_in_the_tapped_layout():
    assert not _gradient_layout(wrap=False)  # why GradInLayout exists: slicing and pooling give NCHW gradients
    assert _gradient_layout(wrap=True)
    x = torch.randn(2, 3, 4, 4, requires_grad=True)
    y = x * 1.0
    y.register_hook(lambda grad: None if grad.is_contiguous() else pytest.fail("default layout lost"))
    (GradInLayout.apply(y)[:, :, ::2] ** 2).sum().backward()
    torch.testing.assert_close(x.grad[:, :, ::2], 2 * x.detach()[:, :, ::2])


def _losses(channels_last: bool, steps: int = 4) -> list:
    # SGD: AdamW's first steps turn rounding-level gradient differences into whole-size updates
    cfg = train_config(mode="ien", optimizer="sgd", lr=1e-3, ien={"group": "C4"})
    model = tiny_model(TINY_SIAMFC)
    if not channels_last:  # the layout before channels-last training
        model.memory_format = torch.contiguous_format
    model = model.to(memory_format=model.memory_format)  # as the trainer lays it out
    objective = TrainingObjective(model, cfg)
    optimizer = build_optimizer(model.parameters(), cfg)
    batch = fixed_batch(4, TEMPLATE, SEARCH)
    model.train()
    out = []
    for _ in range(steps):
        total, _ = objective(batch["z"], batch["x"], batch["boxes"], batch["positive"], batch["seeds"])
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        out.append(float(total.detach()))
    return out, model


def test_channels_last_training_gives_the_same_losses_and_weights():
    default, model_default = _losses(False)
    last, model_last = _losses(True)
    assert default[-1] < default[0]  # it trains
    np.testing.assert_allclose(last, default, rtol=1e-4)
    state = model_last.state_dict()
    assert list(state) == list(model_default.state_dict())  # same keys, so checkpoints and weights files agree
    conv = state["backbone.layer1.0.weight"]
    assert conv.is_contiguous(memory_format=torch.channels_last) and not conv.is_contiguous()
    for name, value in model_default.state_dict().items():
        torch.testing.assert_close(state[name], value, rtol=1e-3, atol=1e-4)


def test_loss_agreement_rule():
    old = [1.0 + 0.01 * i for i in range(200)]
    close = [v + 5e-4 for v in old]
    verdict = loss_agreement(old, close)
    assert verdict["steps_ok"] and verdict["mean_ok"] and verdict["window"] == (151, 200)
    assert verdict["max_step_diff"] == pytest.approx(5e-4)
    early = list(old)
    early[7] += 2e-3  # one early step too far off
    assert not loss_agreement(old, early)["steps_ok"]
    drift = old[:150] + [v * 1.03 for v in old[150:]]  # late mean 3% off
    verdict = loss_agreement(old, drift)
    assert verdict["steps_ok"] and not verdict["mean_ok"]
    assert verdict["mean_rel_diff"] == pytest.approx(0.03)
