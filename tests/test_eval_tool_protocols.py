"""tools/eval_tracker.py on the other protocols (VOT, LaSOT, GOT-10k val) with result files whose scores are
known by construction, and its refusals of an unknown benchmark, GOT-10k test and a wrong --anno."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from datasets.got10k import load_got10k
from datasets.lasot import load_lasot
from datasets.vot import load_vot
from eval import results_io
from dataset_trees import write_images, write_rows

TOOL = Path(__file__).resolve().parents[1] / "tools" / "eval_tracker.py"


def _eval(*args):
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)], capture_output=True, text=True, timeout=120)


def _row(stdout, tracker):
    return next(line.split() for line in stdout.splitlines() if line.startswith(tracker + " "))


def test_vot_ground_truth_as_results_scores_full_accuracy_without_failures(shared_data, tmp_path):
    for seq in load_vot(shared_data / "VOT"):
        records = [[1]] + [row for row in seq.ground_truth[1:]]
        results_io.write_vot(tmp_path / "results" / "GT", seq.name, records)
    proc = _eval("--dataset", "VOT2018", "--anno", shared_data / "VOT", "--results", tmp_path / "results",
                 "--report-dir", tmp_path / "report")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    overall = report["trackers"]["GT"]["overall"]
    assert report["protocol"] == "vot"
    assert overall["accuracy"] == pytest.approx(1.0) and overall["lost_number"] == 0
    assert overall["robustness"] == 0
    assert set(report["trackers"]["GT"]["per_sequence"]) == {"bag", "ball1"}
    assert "1.000" in _row(proc.stdout, "GT")


def test_lasot_ground_truth_as_results_gives_the_perfect_scores(shared_data, tmp_path):
    (seq,) = load_lasot(shared_data / "LaSOT", sequences=["airplane-1"])
    results_io.write_onepass(tmp_path / "results" / "GT" / "airplane-1.txt", seq.ground_truth, one_based=False)
    assert (tmp_path / "results" / "GT" / "airplane-1.txt").read_text().splitlines() == \
        (shared_data / "LaSOT" / "airplane" / "airplane-1" / "groundtruth.txt").read_text().splitlines()
    proc = _eval("--dataset", "LaSOT", "--anno", shared_data / "LaSOT", "--results", tmp_path / "results",
                 "--report-dir", tmp_path / "report")
    assert proc.returncode == 0, proc.stderr
    assert "warning: " in proc.stderr and "279 of 280 LaSOT sequences missing" in proc.stderr
    overall = json.loads((tmp_path / "report" / "report.json").read_text())["trackers"]["GT"]["overall"]
    assert overall["success_auc"] == pytest.approx(20 / 21) and overall["precision_20"] == 1.0
    assert overall["norm_precision_20"] == 1.0 and overall["norm_precision_auc"] == 1.0
    assert _row(proc.stdout, "GT")[1:3] == ["0.952", "1.000"]
    assert (tmp_path / "report" / "success_plot.png").stat().st_size > 10_000


def test_got10k_val_scores_only_covered_frames_after_the_first(tmp_path):
    """5 frames of 32 x 24: frame 0 is skipped, frame 2 is not covered (cover 0); frame 3's box is shifted by
    half its width (IoU 1/3), so AO = (1 + 1/3 + 1) / 3 and SR0.50 = SR0.75 = 2/3."""
    name = "GOT-10k_Val_000001"
    folder = tmp_path / "GOT-10k" / "val" / name
    write_images(folder, range(1, 6), "{:08d}.jpg", size=(32, 24))
    gt = np.array([[4.0, 4.0, 12.0, 10.0]] * 5)
    write_rows(folder / "groundtruth.txt", gt)
    (folder / "cover.label").write_text("8\n8\n0\n8\n8\n")
    (folder / "absence.label").write_text("0\n0\n0\n0\n0\n")
    (tmp_path / "GOT-10k" / "val" / "list.txt").write_text(name + "\n")
    pred = gt.copy()
    pred[0] = pred[2] = [20.0, 14.0, 5.0, 5.0]       # both wrong, both unscored
    pred[3, 0] += 6.0
    results_io.write_got10k(tmp_path / "results" / "T", name, [pred], [np.full(5, 0.02)])
    assert load_got10k(tmp_path / "GOT-10k", "val")[0].flags["cover"].tolist() == [8, 8, 0, 8, 8]
    proc = _eval("--dataset", "GOT10k-val", "--anno", tmp_path / "GOT-10k", "--results", tmp_path / "results",
                 "--report-dir", tmp_path / "report")
    assert proc.returncode == 0, proc.stderr
    overall = json.loads((tmp_path / "report" / "report.json").read_text())["trackers"]["T"]["overall"]
    assert overall["ao"] == pytest.approx((2 + 1 / 3) / 3, abs=1e-12)
    assert overall["sr50"] == pytest.approx(2 / 3) and overall["sr75"] == pytest.approx(2 / 3)
    assert overall["fps"] == pytest.approx(50.0)
    assert _row(proc.stdout, "T")[1] == f"{(2 + 1 / 3) / 3:.3f}"


@pytest.mark.parametrize("dataset, anno, expected", [
    ("OTB999", "OTB100/OTB100.json", "unknown benchmark 'OTB999'; expected one of OTB2013"),
    ("GOT10k-test", "OTB100/OTB100.json", "GOT10k-test: the ground truth is hidden"),
    ("OTB100", "OTB/Crossing/groundtruth_rect.txt", "expected the dataset's root folder or a pysot-toolkit .json"),
])
def test_bad_dataset_or_annotation_is_a_message(shared_data, dataset, anno, expected):
    proc = _eval("--dataset", dataset, "--anno", shared_data / anno, "--results", shared_data / "OTB100" / "results")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and expected in proc.stderr
