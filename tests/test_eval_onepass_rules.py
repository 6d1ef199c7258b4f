"""One-pass rules checked by hand: normalised precision (read at 0.20, and the LaSOT area over [0, 0.5]),
LaSOT's invisible frames staying in the denominator as failures, and the exact polygon IoU against the got10k
package's ``poly_iou`` (with and without image bounds)."""
import numpy as np
import pytest
from got10k.utils.metrics import poly_iou as g_poly_iou

from datasets.sequence import Sequence
from eval.onepass import evaluate_onepass
from eval.overlap import normalized_center_error, poly_iou

GT = [0.0, 0.0, 10.0, 20.0]


def _sequence(n, flags=None, attributes=()):
    return Sequence(name="hand", frames=[f"{i}.jpg" for i in range(n)], ground_truth=np.tile(GT, (n, 1)),
                    flags=flags or {}, attributes=list(attributes))


def test_normalised_error_divides_each_axis_by_the_ground_truth_size():
    pred = np.array([[1.0, 0, 10, 20], [0, 4.0, 10, 20], [3.0, 8.0, 10, 20]])
    np.testing.assert_allclose(normalized_center_error(pred, np.tile(GT, (3, 1))),
                               [0.1, 0.2, np.hypot(0.3, 0.4)], rtol=1e-12)


def test_normalised_precision_at_020_and_its_lasot_area():
    # normalised errors 0.1, 0.2 (exactly on the 0.20 threshold: counted, <=), 0.3, 0.5
    pred = np.array([[1.0, 0, 10, 20], [0, 4.0, 10, 20], [3.0, 0, 10, 20], [5.0, 0, 10, 20]])
    res = evaluate_onepass([_sequence(4)], {"hand": pred})
    assert res.norm_precision_20 == pytest.approx(2 / 4)
    # thresholds 0, 0.01, ..., 0.50: 0 below 0.10, then 1/4 (10 thresholds), 2/4 (10), 3/4 (20), 4/4 (1)
    expected_curve = np.array([0] * 10 + [0.25] * 10 + [0.5] * 10 + [0.75] * 20 + [1.0])
    np.testing.assert_allclose(res.norm_precision_curve, expected_curve, atol=1e-12)
    assert res.norm_precision_auc == pytest.approx(expected_curve.mean(), abs=1e-12)
    summary = res.summary()
    assert summary["norm_precision_20"] == pytest.approx(0.5)
    assert summary["norm_precision_auc"] == pytest.approx((10 * 0.25 + 10 * 0.5 + 20 * 0.75 + 1) / 51)


def test_lasot_invisible_frames_count_as_failures_in_the_denominator():
    """A perfect tracker on 4 frames, one fully occluded and one out of view: only 2 frames can score."""
    flags = {"full_occlusion": np.array([False, True, False, False]),
             "out_of_view": np.array([False, False, True, False])}
    res = evaluate_onepass([_sequence(4, flags)], {"hand": np.tile(GT, (4, 1))})
    assert res.auc == pytest.approx(20 / 21 * 2 / 4, abs=1e-12)
    assert res.precision_20 == pytest.approx(2 / 4)
    assert res.norm_precision_20 == pytest.approx(2 / 4)
    clear = evaluate_onepass([_sequence(4)], {"hand": np.tile(GT, (4, 1))})
    assert clear.auc == pytest.approx(20 / 21) and clear.precision_20 == 1.0


def test_nan_predictions_are_misses_not_hits():
    pred = np.tile(GT, (4, 1))
    pred[1] = np.nan
    res = evaluate_onepass([_sequence(4)], {"hand": pred})
    assert res.auc == pytest.approx(20 / 21 * 3 / 4) and res.precision_20 == pytest.approx(3 / 4)


def test_polygon_iou_equals_got10k_with_and_without_image_bounds():
    rng = np.random.default_rng(0)
    centre = rng.uniform(10, 90, (50, 1, 2))
    radius = rng.uniform(5, 30, (50, 1))

    def rotated_rectangles(turn):
        angles = rng.uniform(0, 2 * np.pi, (50, 1)) + np.array([0, turn, np.pi, np.pi + turn])
        return (centre + radius[..., None] * np.stack([np.cos(angles), np.sin(angles)], axis=-1)).reshape(50, 8)

    a, b = rotated_rectangles(np.pi / 2), rotated_rectangles(np.pi / 3)     # squares and 60-degree rectangles
    ious = poly_iou(a, b)
    assert 0.05 < ious.min() and ious.max() < 0.95                          # partial overlaps, not 0 or 1
    np.testing.assert_allclose(ious, g_poly_iou(a, b), atol=1e-9, rtol=0)
    np.testing.assert_allclose(poly_iou(a, b, bound=(64, 48)), g_poly_iou(a, b, bound=(64, 48)), atol=1e-9, rtol=0)
    boxes = np.column_stack([rng.uniform(-10, 60, (50, 2)), rng.uniform(5, 40, (50, 2))])
    np.testing.assert_allclose(poly_iou(boxes, a[:, :8]), g_poly_iou(boxes, a), atol=1e-9, rtol=0)
    # a box cut by the image: half of it lies left of x = 0
    assert poly_iou([[-10, 0, 20, 10]], [[0, 0, 10, 10]], bound=(100, 100))[0] == pytest.approx(1.0)
    assert poly_iou([[-10, 0, 20, 10]], [[0, 0, 10, 10]])[0] == pytest.approx(0.5)


def test_a_self_crossing_polygon_scores_the_area_it_outlines():
    """Corners in the wrong order give a bow tie (two triangles of area 25 inside the 10 x 10 square)."""
    bow_tie = [[0, 0, 10, 10, 10, 0, 0, 10]] * 3
    others = [[0, 0, 10, 0, 10, 10, 0, 10], [0, 0, 10, 10, 10, 0, 0, 10], [0, 0, 0, 0, 0, 0, 0, 0]]
    np.testing.assert_allclose(poly_iou(bow_tie, others), [0.5, 1.0, 0.0], atol=1e-12)
