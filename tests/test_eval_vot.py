"""VOT supervised-protocol metrics on hand-made runs, checked by hand."""
import json

import numpy as np
import pytest

from datasets.sequence import Sequence
from eval.overlap import vot_overlap_single
from eval.report import ranked_table, write_report
from eval.vot import (BURNIN, burnin_mask, eao_from_curve, evaluate_vot, expected_overlap_curve, failures,
                      run_overlaps)

GT = [0.0, 0.0, 10.0, 10.0]           # rasterised: columns and rows 0..10, 11 x 11 pixels
SHIFTED = [5.0, 0.0, 10.0, 10.0]      # columns 5..15: 6 x 11 shared of 16 x 11 -> 0.375


def test_rasterised_overlap_counts_pixels_inclusively():
    assert vot_overlap_single(GT, GT) == 1.0
    assert vot_overlap_single(SHIFTED, GT) == pytest.approx(66 / 176)
    # Cut to an image 8 pixels wide: columns 0..8 against 5..8.
    assert vot_overlap_single(SHIFTED, GT, bound=(8, 100)) == pytest.approx(44 / 99)
    # Bounding boxes that only touch score 0 (the toolkit's shortcut), far apart too.
    assert vot_overlap_single([10, 0, 10, 10], GT) == 0.0
    assert vot_overlap_single([100, 100, 5, 5], GT) == 0.0
    # A polygon: the diamond |x - 5| + |y - 5| <= 5 against the box.
    diamond = [5, 0, 10, 5, 5, 10, 0, 5]
    assert 0.4 < vot_overlap_single(diamond, GT) < 0.6
    assert np.isnan(vot_overlap_single([2], GT))


def _sequence(n, size=(50, 50)):
    return Sequence(name="hand", frames=[f"{i}.jpg" for i in range(n)],
                    ground_truth=np.tile(GT, (n, 1)), _image_size=size)


def test_burnin_covers_ten_frames_from_each_initialisation():
    run = [[1]] + [SHIFTED] * 9 + [GT] * 10
    mask = burnin_mask(run)
    assert mask[:BURNIN].all() and not mask[BURNIN:].any()
    acc = run_overlaps(run, [GT] * 20, (50, 50), burnin=BURNIN)
    assert np.isnan(acc[:10]).all() and (acc[10:] == 1.0).all()
    raw = run_overlaps(run, [GT] * 20, (50, 50))
    assert np.isnan(raw[0]) and raw[1:10] == pytest.approx([66 / 176] * 9)


def test_failure_skip_and_reinitialisation():
    # Failure at frame 10, frames 11-14 skipped, re-initialised at 15 (failure + 5), tracked to 29.
    run = [[1]] + [SHIFTED] * 9 + [[2]] + [[0]] * 4 + [[1]] + [GT] * 9 + [SHIFTED] * 5
    assert len(run) == 30 and list(failures(run)) == [10]
    res = evaluate_vot([_sequence(30)], {"hand": [run]}, "VOT2018")
    assert res.lost_number == 1.0
    assert res.robustness == pytest.approx(1 / 30 * 100)
    # Accuracy ignores frames 0-9 and 15-24 (burn-in) and the codes: frames 25-29, all SHIFTED.
    assert res.accuracy == pytest.approx(66 / 176)
    # Repetitions: per frame averaged first, failures averaged over repetitions.
    clean = [[1]] + [GT] * 29
    res2 = evaluate_vot([_sequence(30)], {"hand": [run, clean]}, "VOT2018")
    assert res2.lost_number == 0.5
    # Frames 10-24: only the clean run scores (1.0); 25-29: the mean of both runs.
    assert res2.accuracy == pytest.approx((15 * 1.0 + 5 * (1 + 66 / 176) / 2) / 20)
    assert np.isnan(res2.eao)          # 30 frames never reach VOT2018's interval [100, 356]


def test_expected_overlap_by_hand():
    a = [np.nan, 0.8, 0.6, 0.4]                     # no failure
    b = [np.nan, 0.5, np.nan, np.nan]               # failure at 2; 2 + 5 > 4, so one open fragment
    curve = expected_overlap_curve([a, b], [[], [2]], [4, 4], [1.0, 1.0])
    expected = [1.0, (0.8 + 0.5) / 2, (0.7 + 0.25) / 2, (0.6 + 0.5 / 3) / 2]
    assert curve.dtype == np.float32
    np.testing.assert_allclose(curve, expected, rtol=1e-6)
    assert eao_from_curve(curve, (2, 4)) == pytest.approx(np.mean(expected[1:]), rel=1e-6)


def test_failed_fragment_is_zero_padded():
    # Failure at 1, re-initialised at 6: fragment [0..6] ends in a failure (zeros up to the longest run),
    # fragment [6..11] is open.
    c = [np.nan] * 7 + [0.9] * 5
    curve = expected_overlap_curve([c], [[1]], [12], [1.0])
    np.testing.assert_allclose(curve, [1.0] + [0.45] * 5 + [0.0] * 6, rtol=1e-6)
    assert eao_from_curve(curve, (2, 6)) == pytest.approx(0.45, rel=1e-6)
    assert eao_from_curve(curve, (2, 12)) == pytest.approx(5 * 0.45 / 11, rel=1e-6)


def test_unknown_year_is_an_error():
    with pytest.raises(Exception, match="no EAO interval"):
        evaluate_vot([_sequence(3)], {"hand": [[[1], GT, GT]]}, "VOT2030")


def test_vot2015_uses_its_eao_interval():
    # One repetition, no failure, 121 frames: overlap 1 on frames 1-59, 0.375 on frames 60-120, so the expected
    # overlap for length L is (59 + 0.375 (L - 60)) / (L - 1); lengths past the run are open (not counted).
    run = [[1]] + [GT] * 59 + [SHIFTED] * 61
    res = evaluate_vot([_sequence(121)], {"hand": [run]}, "VOT2015")
    lengths = np.arange(108, 122)
    expected = np.mean((59 + 0.375 * (lengths - 60)) / (lengths - 1))
    assert res.eao == pytest.approx(expected, rel=1e-6)
    assert res.summary()["eao"] == pytest.approx(expected, rel=1e-6)
    # VOT2019's interval [46, 291] starts earlier, where more of the run overlaps fully
    assert evaluate_vot([_sequence(121)], {"hand": [run]}, "VOT2019").eao > res.eao + 0.05


@pytest.mark.parametrize("year", ["VOT2013", "VOT2014"])
def test_years_before_eao_score_accuracy_and_robustness_only(tmp_path, year):
    run = [[1]] + [SHIFTED] * 9 + [[2]] + [[0]] * 4 + [[1]] + [GT] * 9 + [SHIFTED] * 5
    res = evaluate_vot([_sequence(30)], {"hand": [run]}, year)
    assert res.accuracy == pytest.approx(66 / 176) and res.lost_number == 1.0
    assert res.robustness == pytest.approx(1 / 30 * 100)
    assert res.eao is None and res.curve is None
    summary = res.summary()
    assert summary["eao"] is None and summary["expected_overlap_curve"] is None
    # the table shows '-' for EAO and ranks by accuracy; report.json holds null
    better = dict(summary, accuracy=0.9)
    table = ranked_table({"T": summary, "Better": better}, "vot").splitlines()
    assert [line.split()[0] for line in table[2:]] == ["Better", "T"]
    assert table[3].split()[1:3] == ["-", "0.375"]
    report = json.loads(write_report(tmp_path, year, "vot", {"T": {"overall": summary}}).read_text())
    assert report["trackers"]["T"]["overall"]["eao"] is None
