"""Rotation search of the SiamRPN tracker on an exactly C4-equivariant network (AlexNet in C4 groups, rotation_tied
init): the template part's turned template features are those of the turned template image, the tracker follows a
turning rectangle by quarter turns with its box turned, and the combinations it cannot serve are refused."""
import numpy as np
import pytest
import torch

from core.config import from_dict
from core.errors import TrackingError
from models.builder import ModelConfig, build_model
from tests.moving_patch import turning_patch_frames
from tracker.geometry import context_side
from tracker.rotation import RotationConfig
from tracker.siamrpn import SiamRPNConfig, SiamRPNTracker

torch.set_num_threads(1)
#: the siamrpn_ien architecture at half its width: pooled layer5 has 8 channels, the neck keeps 8
TIED_RPN = {"kind": "siamrpn", "backbone": "alexnet", "width": 0.125, "neck_channels": 8, "anchors": 5,
            "groups": {"orders": [4], "ratios": [1]}, "init": "rotation_tied"}


def rpn_model(**changes):
    torch.manual_seed(0)
    return build_model(from_dict(ModelConfig, {**TIED_RPN, **changes}, "model")).eval()


def turning_tracker(model, order=None, **cfg) -> SiamRPNTracker:
    return SiamRPNTracker(model, SiamRPNConfig(rotation=RotationConfig(enabled=True, order=order, window=1), **cfg))


def test_turned_template_features_are_the_features_of_the_turned_template():
    """The template part turns the encoded template (channel roll + spatial turn, then pooling and neck); on the
    tied network that equals re-encoding the template crop turned by the same quarter turn, for every step. A
    default-initialised network is not equivariant, so there the two differ."""
    z = np.random.default_rng(1).integers(0, 256, (1, 127, 127, 3), dtype=np.uint8)
    for init, equal in (("rotation_tied", True), ("default", False)):
        net = turning_tracker(rpn_model(init=init)).network
        (turned,) = net.run("template", z)
        assert tuple(turned.shape) == (4, 8, 6, 6)
        for k in (1, 2, 3):
            (reencoded,) = net.run("template", np.ascontiguousarray(np.rot90(z, k, axes=(1, 2))))
            error = float((turned[k] - reencoded[0]).abs().max() / reencoded[0].abs().max())
            assert (error < 1e-5) == equal, (init, k, error)
            assert float((turned[k] - turned[0]).abs().max() / turned[0].abs().max()) > 0.1  # a real turn


def transparent_head(model) -> None:
    """Set the neck and RPN head by hand so that the foreground logit of an anchor is the correlation of the
    (ReLU'd) template and search features summed over channels, and every box delta is 0 (boxes are the anchors):
    then the right turn of the template scores highest (Cauchy-Schwarz at the target)."""
    channels = model.neck[0].conv.in_channels
    with torch.no_grad():
        for conv in [model.neck[0].conv] + [m for m in model.rpn.modules()
                                            if isinstance(m, torch.nn.Conv2d) and m.in_channels == m.out_channels]:
            conv.weight.zero_()
            centre = conv.kernel_size[0] // 2
            conv.weight[range(channels), range(channels), centre, centre] = 1.0
        for branch in (model.rpn.rpns[0].cls, model.rpn.rpns[0].loc):
            branch.head[-1].weight.zero_()
            branch.head[-1].bias.zero_()
        model.rpn.rpns[0].cls.head[-1].weight[model.anchor_num:] = 1.0  # foreground rows; background stays 0


def calibrate(tracker, frame) -> None:
    """Scale the foreground logits so that the largest on ``frame`` (the tracker's search crop, upright template)
    is 1, where the logistic is far from saturating."""
    x = tracker.crops(frame, tracker.center, [tracker.search_side(context_side(tracker.size, 0.5))], 255)
    net = tracker.network
    cls, _ = net.run("head", *tracker.rotation.template(0), *net.run("search", x))
    with torch.no_grad():
        tracker.model.rpn.rpns[0].cls.head[-1].weight.mul_(1.0 / float(cls.max()))


def test_rpn_tracker_follows_a_turning_rectangle_by_quarter_turns():
    """A 48x24 rectangle of 8 px colour blocks turned 90 degrees further each frame: the tracker's angle follows
    it, the box stays on it and is the turned rectangle's (width and height swapped at odd quarter turns)."""
    frames, truth = turning_patch_frames(patch=(24, 48), block=8)
    model = rpn_model()
    transparent_head(model)
    tracker = turning_tracker(model, lr=0.0)  # boxes are anchors here: keep the size, test the turn
    tracker.init(frames[0], truth[0])
    calibrate(tracker, frames[0])
    angles, boxes = [], []
    for frame in frames[1:]:
        boxes.append(tracker.update(frame))
        angles.append(tracker.state.angle)
    assert angles == [90.0, 180.0, 270.0]
    boxes = np.array(boxes)
    assert np.abs(boxes - truth[1:]).max() < 2.0, boxes - truth[1:]
    assert tracker.state.corners.shape == (4, 2) and np.allclose(tracker.size, [48, 24])
    # without rotation search the same network keeps the upright box and reports no angle
    upright = SiamRPNTracker(model, SiamRPNConfig(lr=0.0))
    upright.init(frames[0], truth[0])
    box = upright.update(frames[1])
    assert upright.state.angle is None and np.allclose(box[2:], [48, 24])


def test_rotation_search_needs_groups_and_quarter_turns():
    with pytest.raises(TrackingError, match="rotation.enabled: rotation estimation needs IEN channel groups"):
        turning_tracker(rpn_model(groups=None, init="default"))
    c8 = rpn_model(groups={"orders": [8], "ratios": [1]}, init="default", width=0.25)
    with pytest.raises(TrackingError, match=r"rotation.order: the RPN regresses axis-aligned boxes, so it searches "
                                            r"quarter turns only \(order 2 or 4\), got 8"):
        turning_tracker(c8)
    assert turning_tracker(c8, order=4).network.facts["rotation_order"] == 4


@pytest.mark.parametrize("changes, message", [
    ({"backbone": "convnet", "groups": None, "init": "default"}, "kind siamrpn needs a strided backbone"),
    ({"backbone": "resnet18"}, "rotation_tied needs groups and a backbone of one convolution per stage"),
    ({"groups": None}, "rotation_tied needs groups"),
])
def test_bad_siamrpn_model_configs_are_refused(changes, message):
    with pytest.raises(TrackingError, match=message):
        rpn_model(**changes)
