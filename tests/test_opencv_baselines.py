"""The OpenCV baselines behind the Tracker interface: real video, a synthetic target with a known path, and
the integer/float box conversion."""
import cv2
import numpy as np
import pytest

from core.errors import TrackingError
from moving_patch import centre_distance, moving_patch_clip
from tracker.opencv_baselines import box_to_rect, make_csrt, make_kcf, make_mil
from tracker.registry import build_tracker


def _crossing(shared_data, n):
    root = shared_data / "OTB" / "Crossing"
    first = np.loadtxt(root / "groundtruth_rect.txt", max_rows=1) - [1, 1, 0, 0]  # OTB files are 1-based
    frames = [cv2.imread(str(p)) for p in sorted((root / "img").glob("*.jpg"))[:n]]
    return frames, first


@pytest.mark.parametrize("factory", [make_csrt, make_kcf, make_mil])
def test_baseline_runs_on_real_sequence(shared_data, factory):
    frames, first = _crossing(shared_data, 21)
    tracker = factory()
    boxes, scores, _ = tracker.track(frames, first)
    h, w = frames[0].shape[:2]
    assert boxes.shape == (21, 4) and np.isfinite(boxes).all()
    assert (boxes[:, 2:] > 0).all()
    assert (boxes[:, 0] >= 0).all() and (boxes[:, 1] >= 0).all()
    assert (boxes[:, 0] + boxes[:, 2] <= w).all() and (boxes[:, 1] + boxes[:, 3] <= h).all()
    assert set(np.unique(scores)) <= {0.0, 1.0}
    np.testing.assert_array_equal(boxes[0], first)


def test_csrt_follows_moving_patch():
    frames, truth = moving_patch_clip(n_frames=30)
    boxes, scores, _ = make_csrt().track(frames, truth[0])
    assert centre_distance(boxes, truth).max() < 3.0
    assert scores.min() == 1.0


def test_lost_target_keeps_last_box_with_zero_score():
    frames, truth = moving_patch_clip(n_frames=3)
    tracker = make_kcf()
    tracker.init(frames[0], truth[0])
    tracker.update(frames[1])
    last = tracker.state.box.copy()
    # KCF declares the target lost when its response peak collapses: a flat grey frame has no peak at all.
    box, score = tracker.update(np.full_like(frames[2], 128), return_score=True)
    assert score == 0.0
    np.testing.assert_array_equal(box, last)


def test_determinism_flags_match_behaviour():
    frames, truth = moving_patch_clip(n_frames=12, step=(4.0, 2.0))
    for factory in (make_csrt, make_kcf):
        a, b = factory().track(frames, truth[0])[0], factory().track(frames, truth[0])[0]
        assert factory().deterministic and np.array_equal(a, b)
    assert not make_mil().deterministic


def test_registry_builds_baselines_by_name():
    assert build_tracker("csrt").name == "csrt"
    assert build_tracker("mil").name == "mil"


def test_box_to_rect_rounds_corners_and_clips():
    assert box_to_rect([10.4, 20.6, 30.2, 40.0], (100, 100, 3)) == (10, 21, 31, 40)
    assert box_to_rect([-5.0, 90.0, 20.0, 20.0], (100, 100, 3)) == (0, 90, 15, 10)
    with pytest.raises(TrackingError, match="no pixels inside the 100x100 image"):
        box_to_rect([120.0, 10.0, 20.0, 20.0], (100, 100, 3))
