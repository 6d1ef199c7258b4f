"""One-pass evaluation on the real OTB-100 annotations and published raw results."""
import warnings

import numpy as np
import pytest
from got10k.utils.metrics import center_error as g_center_error
from got10k.utils.metrics import rect_iou as g_rect_iou

from datasets.pysot_json import load_pysot_json
from eval import results_io
from eval.evaluate import evaluate_tracker, load_onepass_results
from eval.onepass import IOU_THRESHOLDS, evaluate_onepass, scored_frames
from eval.overlap import center_error, rect_iou

TRACKERS = ["DaSiamRPN", "SiamRPN", "SiamRPN++", "ATOM", "MDNet"]


@pytest.fixture(scope="module")
def otb(shared_data):
    return load_pysot_json(shared_data / "OTB100" / "OTB100.json")


@pytest.fixture(scope="module")
def results(shared_data, otb):
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for t in TRACKERS:
            out[t] = load_onepass_results(shared_data / "OTB100" / "results" / t, otb, one_based=True,
                                          pad_missing=True)[0]
    return out


def test_dasiamrpn_matches_published_pysot_numbers(otb, results):
    res = evaluate_onepass(otb, results["DaSiamRPN"])
    assert round(res.auc, 3) == 0.658
    assert round(res.precision_20, 3) == 0.880
    assert len(res.sequences) == 100


def test_per_frame_measures_equal_got10k(otb, results):
    for tracker in TRACKERS:
        for seq in otb:
            pred = results[tracker][seq.name]
            ok = np.isfinite(pred).all(axis=1)          # padded frames have no box to compare
            p, g = pred[ok], seq.boxes[ok]
            np.testing.assert_allclose(rect_iou(p, g), g_rect_iou(p.copy(), g.copy()), atol=1e-9, rtol=0)
            np.testing.assert_allclose(center_error(p, g), g_center_error(p, g), atol=1e-9, rtol=0)


@pytest.mark.parametrize("first_frame_gt", [False, True])
def test_curves_equal_got10k_definitions_under_our_rules(otb, results, first_frame_gt):
    """got10k's ExperimentOTB curve code, fed with got10k's metric functions, after applying our rules to its
    inputs: invalid ground truth -> IoU -1 and error inf, short files padded, first frame as chosen."""
    for tracker in TRACKERS:
        ours = evaluate_onepass(otb, results[tracker], first_frame_gt=first_frame_gt)
        succ, prec = [], []
        for seq in otb:
            boxes = np.nan_to_num(results[tracker][seq.name].copy(), nan=-1e6)
            if first_frame_gt:
                boxes[0] = seq.boxes[0]
            ious = g_rect_iou(boxes.copy(), seq.boxes.copy())
            errs = g_center_error(boxes, seq.boxes)
            ok = scored_frames(seq)
            ious[~ok], errs[~ok] = -1.0, np.inf
            succ.append((ious[:, None] > IOU_THRESHOLDS[None, :]).mean(axis=0))
            prec.append((errs[:, None] <= np.arange(51)[None, :]).mean(axis=0))
        np.testing.assert_allclose(ours.success, np.array(succ), atol=1e-12)
        np.testing.assert_allclose(ours.precision, np.array(prec), atol=1e-12)


def test_first_frame_gt_changes_only_the_first_frame(otb, results):
    plain = evaluate_onepass(otb, results["SiamRPN"])
    fixed = evaluate_onepass(otb, results["SiamRPN"], first_frame_gt=True)
    # SiamRPN's first line is a corner box: overwriting it with the ground truth can only help.
    assert fixed.auc > plain.auc
    assert fixed.auc - plain.auc < 0.01


def test_short_files_are_errors_unless_padded(shared_data, otb):
    board = [s for s in otb if s.name == "Board"]
    folder = shared_data / "OTB100" / "results" / "MDNet"
    with pytest.raises(Exception, match=r"Board.txt: 697 lines for 698 frames"):
        load_onepass_results(folder, board, one_based=True)
    with pytest.warns(UserWarning, match="Board.txt: 1 missing frame"):
        padded, _ = load_onepass_results(folder, board, one_based=True, pad_missing=True)
    assert np.isnan(padded["Board"][-1]).all()


def test_ground_truth_written_back_scores_perfectly_and_equals_input(tmp_path, shared_data, otb):
    tracker = tmp_path / "GT"
    for seq in otb:
        results_io.write_onepass(tracker / f"{seq.name}.txt", seq.ground_truth, one_based=True)
    report = evaluate_tracker("OTB100", otb, tracker)
    assert report["overall"]["success_auc"] < 1.0
    # Board and Twinnings end on an invalid frame ([0, 0, 0, 0]), a failure even for the truth itself.
    invalid = sum((~s.valid).sum() / len(s) for s in otb) / len(otb)
    assert report["overall"]["success_auc"] == pytest.approx(20 / 21 * (1 - invalid), abs=1e-12)
    assert report["overall"]["precision_20"] == pytest.approx(1 - invalid, abs=1e-12)
    clean = [s for s in otb if s.valid.all()]
    report = evaluate_tracker("OTB100", clean, tracker)
    assert report["overall"]["success_auc"] == pytest.approx(20 / 21, abs=1e-12)
    assert round(report["overall"]["success_auc"], 3) == 0.952
    assert report["overall"]["precision_20"] == 1.0
    # The written files equal the originals: the comma-separated integer OTB ground truths byte for byte.
    for name in ["Biker", "Bird2", "Deer", "DragonBaby", "KiteSurf"]:
        original = (shared_data / "OTB" / name / "groundtruth_rect.txt").read_bytes()
        assert (tracker / f"{name}.txt").read_bytes() == original


def test_attributes_and_report(otb, results):
    res = evaluate_onepass(otb, results["DaSiamRPN"])
    per_attr = res.per_attribute()
    assert set(per_attr) == {"IV", "SV", "OCC", "DEF", "MB", "FM", "IPR", "OPR", "OV", "BC", "LR"}
    assert sum(a["sequences"] for a in per_attr.values()) == sum(len(s.attributes) for s in otb)
