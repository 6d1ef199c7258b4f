"""Result-file IO (formats, name matching, errors, atomic writes) and the command line (GOT-10k metrics against
the got10k package's own experiment: test_got10k_oracle.py)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.errors import TrackingError
from eval import results_io

TOOL = Path(__file__).resolve().parents[1] / "tools" / "eval_tracker.py"


def test_names_match_across_spellings(tmp_path):
    for name in ["jogging_1.txt", "Human4-2.txt", "blurCar4.txt", "Skating2.1.txt"]:
        (tmp_path / name).write_text("1,2,3,4\n")
    index = results_io.index_folder(tmp_path)
    for seq in ["Jogging-1", "human4_2", "BlurCar4", "skating2_1"]:
        assert results_io.find_in(index, seq) is not None
    assert results_io.find_in(index, "Jogging-2") is None
    (tmp_path / "Jogging-1.txt").write_text("1,2,3,4\n")
    with pytest.raises(TrackingError, match="both"):
        results_io.index_folder(tmp_path)


def test_onepass_reads_any_separator_and_converts_one_based(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("1,2,3,4\n5\t6\t7\t8\r\n9 10  11 12\n\n")
    np.testing.assert_array_equal(results_io.read_onepass(path), [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    np.testing.assert_array_equal(results_io.read_onepass(path, one_based=True)[0], [0, 1, 3, 4])


@pytest.mark.parametrize("text, message", [
    ("1,2,3,4\n1,2,3\n", r"a.txt:2: found 3 values in '1,2,3'; expected 4 numbers"),
    ("1,2,3,4\n1,2,x,4\n", r"a.txt:2: non-numeric value 'x'"),
    ("1,2,3,4\nnan,2,3,4\n", r"a.txt:2: NaN or infinite"),
    ("1,2,3,4\n\n1,2,3,4\n", r"a.txt:2: empty line"),
])
def test_bad_lines_are_reported_by_file_and_line(tmp_path, text, message):
    path = tmp_path / "a.txt"
    path.write_text(text)
    with pytest.raises(TrackingError, match=message):
        results_io.read_onepass(path)


def test_line_count_and_padding(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("1,2,3,4\n")
    with pytest.raises(TrackingError, match="1 lines for 3 frames.*--pad-missing"):
        results_io.read_onepass(path, n_frames=3)
    with pytest.raises(TrackingError, match="too many"):
        results_io.read_onepass(path, n_frames=0)
    with pytest.warns(UserWarning, match="2 missing frame"):
        boxes = results_io.read_onepass(path, n_frames=3, pad_missing=True)
    assert boxes.shape == (3, 4) and np.isnan(boxes[1:]).all()


def test_writes_are_atomic_and_round_trip(tmp_path):
    boxes = np.array([[0.5, 1.25, 30.0, 40.0], [195.21414453078438, 213.5, 35.1, 80.0]])
    results_io.write_onepass(tmp_path / "T" / "Seq.txt", boxes, one_based=True)
    assert (tmp_path / "T" / "Seq.txt").read_text().splitlines()[0] == "1.5,2.25,30,40"
    np.testing.assert_allclose(results_io.read_onepass(tmp_path / "T" / "Seq.txt", one_based=True), boxes)
    assert [p.name for p in (tmp_path / "T").iterdir()] == ["Seq.txt"]      # no temporary left behind

    results_io.write_got10k(tmp_path / "T", "GOT-10k_Val_000001", [boxes, boxes + 1], [[0.01, 0.02], [0.03, 0.04]])
    reps, times = results_io.read_got10k(tmp_path / "T", "GOT-10k_Val_000001", n_frames=2)
    assert len(reps) == 2 and np.allclose(reps[1], boxes + 1)
    np.testing.assert_allclose(times, [[0.01, 0.03], [0.02, 0.04]])

    records = [[1], [1.5, 2.5, 3.0, 4.0], [2], [0], [0], [1, 2, 3, 2, 3, 4, 1, 4]]
    results_io.write_vot(tmp_path / "T", "bag", records)
    assert (tmp_path / "T" / "baseline" / "bag" / "bag_001.txt").read_text().splitlines()[:3] == [
        "1", "1.5000,2.5000,3.0000,4.0000", "2"]
    (run,) = results_io.read_vot(tmp_path / "T", "bag", n_frames=6)
    assert [len(r) for r in run] == [1, 4, 1, 1, 1, 8]
    with pytest.raises(TrackingError, match="code 7"):
        results_io.write_vot(tmp_path / "T", "bag", [[7]])


def test_time_files_are_the_got10k_packages_format(tmp_path):
    """One-pass time files equal what got10k's ExperimentOTB writes (np.savetxt '%.8f'), GOT-10k ones what
    ExperimentGOT10k writes (one comma-separated column per repetition); both read back."""
    times = np.array([0.0123456789, 0.5, 2.0])
    results_io.write_times(tmp_path / "times" / "a_time.txt", times)
    np.savetxt(tmp_path / "ref.txt", times, fmt="%.8f")
    assert (tmp_path / "times" / "a_time.txt").read_text() == (tmp_path / "ref.txt").read_text()
    np.testing.assert_allclose(results_io.read_times(tmp_path / "times" / "a_time.txt", n_frames=3)[:, 0], times,
                               atol=5e-9)
    reps = np.column_stack([times, times * 2])
    results_io.write_times(tmp_path / "b_time.txt", reps)
    np.savetxt(tmp_path / "ref2.txt", reps, fmt="%.8f", delimiter=",")
    assert (tmp_path / "b_time.txt").read_text() == (tmp_path / "ref2.txt").read_text()
    assert results_io.read_times(tmp_path / "b_time.txt").shape == (3, 2)
    with pytest.raises(TrackingError, match="c_time.txt: frame times must be"):
        results_io.write_times(tmp_path / "c_time.txt", np.zeros((2, 2, 2)))


def test_reports_load_matplotlib_only_to_draw(tmp_path):
    """Importing the harness costs no matplotlib import (about 0.5 s); drawing a plot still works."""
    code = ("import sys; import eval.report, eval.evaluate, eval.runners.benchmark; "
            "print(sorted(m for m in sys.modules if m.startswith('matplotlib')))")
    root = Path(__file__).resolve().parents[1]
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=60)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "[]"
    from eval.report import onepass_plots
    curve = {"T": {"success_curve": np.linspace(1, 0, 21), "success_auc": 0.5,
                   "precision_curve": np.linspace(0, 1, 51), "precision_20": 0.4}}
    paths = onepass_plots(tmp_path, "OTB100", curve)
    assert [p.name for p in paths] == ["success_plot.png", "precision_plot.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000 for p in paths)

def _run(*args):
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True, timeout=120)


def test_command_line_on_otb100(tmp_path, shared_data):
    args = ["--dataset", "OTB100", "--anno", str(shared_data / "OTB100" / "OTB100.json"),
            "--results", str(shared_data / "OTB100" / "results")]
    short = _run(*args, "--trackers", "MDNet")
    assert short.returncode == 2 and "Traceback" not in short.stderr
    assert "error: " in short.stderr and "Board.txt: 697 lines for 698 frames" in short.stderr
    done = _run(*args, "--pad-missing", "--report-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "Twinnings.txt: 1 missing frame(s) counted as failures" in done.stderr
    rows = [line.split() for line in done.stdout.splitlines()
            if line.startswith(("SiamRPN", "MDNet", "ATOM", "DaSiam"))]
    assert [r[0] for r in rows] == ["SiamRPN++", "MDNet", "ATOM", "DaSiamRPN", "SiamRPN"]   # ranked by AUC
    assert rows[3][1:3] == ["0.658", "0.880"]
    report = json.loads((tmp_path / "report.json").read_text())
    dasiam = report["trackers"]["DaSiamRPN"]
    assert round(dasiam["overall"]["success_auc"], 3) == 0.658
    assert len(dasiam["per_sequence"]) == 100 and "OCC" in dasiam["per_attribute"]
    assert (tmp_path / "success_plot.png").stat().st_size > 10_000
    assert (tmp_path / "precision_plot.png").stat().st_size > 10_000
    missing = _run("--dataset", "OTB100", "--anno", str(tmp_path / "nope.json"),
                   "--results", str(shared_data / "OTB100" / "results"))
    assert missing.returncode == 2 and "nope.json: annotation path not found" in missing.stderr
