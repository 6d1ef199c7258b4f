"""SiamFC's scale pyramid from one crop's features (``tracker.scale_pyramid: features``) against re-cropping every
scale (``crops``, the default): identical at the identity scale, one image encoded per frame instead of
scale_num, and the zoom goes the way the re-cropped scales do."""
import numpy as np
import pytest
import torch

from core.errors import TrackingError
from tracker.registry import build_tracker

from moving_patch import moving_patch_clip

torch.set_num_threads(1)


def _tracker(pyramid, *settings):
    return build_tracker("siamfc_ien", overrides=(f"tracker.scale_pyramid={pyramid}", *settings))


def _clip(n=6):
    return moving_patch_clip(n_frames=n, size=(200, 160), patch=(32, 32), start=(40.0, 50.0), step=(3.0, 2.0))


def test_features_pyramid_at_the_identity_scale_reproduces_crops_exactly():
    frames, boxes = _clip()
    runs = [_tracker(p, "tracker.scale_num=1").track(frames, boxes[0]) for p in ("crops", "features")]
    (boxes_c, scores_c, _), (boxes_f, scores_f, _) = runs
    assert np.array_equal(np.asarray(boxes_c), np.asarray(boxes_f))
    assert np.array_equal(np.asarray(scores_c), np.asarray(scores_f))


def test_middle_scale_response_equals_the_crops_pyramid_middle_scale():
    frames, boxes = _clip(2)
    crops, features = _tracker("crops"), _tracker("features")
    for t in (crops, features):
        t.initialize(frames[0], boxes[0])
    side = crops.search_side(crops.base_z)
    responses = []
    for t, sides in ((crops, side * crops.scales.factors), (features, [side])):
        xf = t.network.run("search", t.crops(frames[1], t.center, sides, t.cfg.instance_size))
        responses.append(t.network.numpy(t.network.run("head", *t.rotation.template(0), *xf)[0]))
    assert responses[0].shape == responses[1].shape == (3, 1, 17, 17)
    assert np.allclose(responses[0][1], responses[1][1], rtol=0, atol=1e-5 * np.abs(responses[0][1]).max())
    assert not np.allclose(responses[1][0], responses[1][1])  # the other scales are really zoomed


@pytest.mark.parametrize("pyramid, images_per_frame", [("crops", 3), ("features", 1)])
def test_features_pyramid_encodes_one_search_image_per_frame(pyramid, images_per_frame):
    frames, boxes = _clip(5)
    tracker = _tracker(pyramid)
    tracker.initialize(frames[0], boxes[0])
    encoded = []
    hook = tracker.model.backbone.register_forward_pre_hook(lambda m, args: encoded.append(args[0].shape[0]))
    try:
        for frame in frames[1:]:
            tracker.update(frame)
    finally:
        hook.remove()
    assert encoded == [images_per_frame] * (len(frames) - 1)


def test_zoomed_features_match_the_recropped_scale_not_the_opposite_one():
    """Scales 1/1.25 and 1.25 (large enough to tell apart): the features zoomed for each scale are nearer the
    features of that scale's own crop than of the opposite scale's crop (centre cells, away from the zero
    border a zoom-out leaves)."""
    frames, boxes = _clip(2)
    crops, features = (_tracker(p, "tracker.scale_step=1.25") for p in ("crops", "features"))
    for t in (crops, features):
        t.initialize(frames[0], boxes[0])
    side = crops.search_side(crops.base_z)
    recropped = crops.network.numpy(crops.network.run("search", crops.crops(
        frames[1], crops.center, side * crops.scales.factors, 255))[0])
    zoomed = features.network.numpy(features.network.run("search", features.crops(
        frames[1], features.center, [side], 255))[0])
    centre = (slice(None), slice(6, -6), slice(6, -6))
    for scale, opposite in ((0, 2), (2, 0)):
        own = np.linalg.norm((zoomed[scale] - recropped[scale])[centre])
        other = np.linalg.norm((zoomed[scale] - recropped[opposite])[centre])
        assert own < 0.8 * other, (scale, own, other)


def test_unknown_scale_pyramid_is_refused_in_one_line():
    with pytest.raises(TrackingError, match=r"tracker.scale_pyramid: expected one of crops, features, got 'both'"):
        _tracker("both")
