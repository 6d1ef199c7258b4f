"""tools/test_tracker.py end to end on real frames: official result formats (read back by our harness and by the
got10k package), the rotated option, resuming after a kill, and bad input."""
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from got10k.utils.metrics import rect_iou as got10k_rect_iou

from eval import results_io

REPO = Path(__file__).resolve().parents[1]
TOOL = REPO / "tools" / "test_tracker.py"


def _run(*args, check_rc=None, **env_vars):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("RANK", None), env.pop("WORLD_SIZE", None)
    env.update(env_vars)
    proc = subprocess.run([sys.executable, str(TOOL), *map(str, args), "--no-progress"], capture_output=True,
                          text=True, env=env, timeout=120)
    if check_rc is not None:
        assert proc.returncode == check_rc, proc.stdout + proc.stderr
    return proc


def _otb_folder(shared, dest, names_frames, source="Crossing"):
    """OTB-layout sequences made of the first frames of a real one (images linked, not copied)."""
    src = shared / "OTB" / source
    gt = (src / "groundtruth_rect.txt").read_text().split("\n")
    for name, n in names_frames:
        (dest / name / "img").mkdir(parents=True)
        for i in range(1, n + 1):
            (dest / name / "img" / f"{i:04d}.jpg").symlink_to(src / "img" / f"{i:04d}.jpg")
        (dest / name / "groundtruth_rect.txt").write_text("\n".join(gt[:n]) + "\n")
    return dest


def _vot_folder(shared, dest, n):
    """A VOT-layout root holding the first ``n`` frames of the real ``bag`` sequence (images linked)."""
    src = shared / "VOT" / "bag"
    (dest / "bag" / "color").mkdir(parents=True)
    for i in range(1, n + 1):
        (dest / "bag" / "color" / f"{i:08d}.jpg").symlink_to(src / "color" / f"{i:08d}.jpg")
    (dest / "bag" / "groundtruth.txt").write_text("\n".join((src / "groundtruth.txt").read_text().split()[:n]) + "\n")
    (dest / "list.txt").write_text("bag\n")
    return dest


def _got10k_success_auc(pred_file, gt_file):
    """Success AUC computed with the got10k package's IoU on the files as written (both 1-based here)."""
    pred = np.loadtxt(pred_file, delimiter=",")
    gt = np.loadtxt(gt_file, delimiter="\t" if "\t" in Path(gt_file).read_text() else ",")
    ious = got10k_rect_iou(pred, gt)
    return float(np.mean([(ious > t).mean() for t in np.linspace(0, 1, 21)]))


def _report(results, benchmark, tracker="csrt"):
    payload = json.loads((results / "reports" / benchmark / tracker / "report.json").read_text())
    return payload["trackers"][tracker]


def test_otb_one_pass_with_csrt_writes_official_files(shared_data, tmp_path):
    proc = _run("--tracker", "csrt", "--dataset", "OTB100", "--root", shared_data / "OTB", "--sequences", "Crossing",
                "--results", tmp_path, check_rc=0)
    out = tmp_path / "OTB100" / "csrt"
    gt_file = shared_data / "OTB" / "Crossing" / "groundtruth_rect.txt"
    lines = (out / "Crossing.txt").read_text().splitlines()
    assert len(lines) == 120
    # 1-based like the dataset: the first (initial) box reads back exactly as the ground-truth file's first line
    assert [float(v) for v in lines[0].split(",")] == [float(v) for v in gt_file.read_text().split()[:4]]
    report = _report(tmp_path, "OTB100")
    assert report["overall"]["success_auc"] == pytest.approx(_got10k_success_auc(out / "Crossing.txt", gt_file),
                                                             abs=1e-9)
    assert report["overall"]["success_auc"] > 0.5 and report["overall"]["fps"] > 0
    assert results_io.read_times(out / "times" / "Crossing_time.txt", n_frames=120).shape == (120, 1)
    assert "AUC" in proc.stdout


def test_vot_supervised_with_csrt_writes_codes_and_boxes(shared_data, tmp_path):
    root = _vot_folder(shared_data, tmp_path / "VOT", 40)
    _run("--tracker", "csrt", "--dataset", "VOT2018", "--root", root, "--results", tmp_path, check_rc=0)
    record_file = tmp_path / "VOT2018" / "csrt" / "baseline" / "bag" / "bag_001.txt"
    # read as the got10k package's ExperimentVOT.report does
    records = [[float(t) for t in line.split(",")] for line in record_file.read_text().strip().split("\n")]
    assert len(records) == 40 and records[0] == [1.0]
    assert all(len(r) == 4 or (len(r) == 1 and r[0] in (0.0, 1.0, 2.0)) for r in records)
    assert len(results_io.read_vot(tmp_path / "VOT2018" / "csrt", "bag", n_frames=40)) == 1
    report = _report(tmp_path, "VOT2018")
    assert 0 < report["overall"]["accuracy"] <= 1 and report["overall"]["lost_number"] >= 0
    assert "eao" in report["overall"]  # NaN here: 40 frames are shorter than VOT2018's EAO interval


def test_siamfc_with_random_weights_writes_the_same_formats(shared_data, tmp_path):
    """Our Siamese tracker through the registry (random weights, opted in: formats only, not accuracy)."""
    data = _otb_folder(shared_data, tmp_path / "data", [("CrossA", 3)])
    _run("--tracker", "siamfc", "--random-weights", "--dataset", "folder", "--root", data, "--results", tmp_path,
         check_rc=0)
    boxes = np.loadtxt(tmp_path / "folder" / "siamfc-random" / "CrossA.txt", delimiter=",")
    assert boxes.shape == (3, 4) and np.isfinite(boxes).all() and (boxes[:, 2:] > 0).all()
    assert _report(tmp_path, "folder", "siamfc-random")["overall"]["sequences"] == 1
    root = _vot_folder(shared_data, tmp_path / "VOT", 3)
    _run("--tracker", "siamfc", "--random-weights", "--dataset", "VOT2018", "--root", root, "--results", tmp_path,
         check_rc=0)
    records = results_io.read_vot(tmp_path / "VOT2018" / "siamfc-random", "bag", n_frames=3)[0]
    assert records[0].tolist() == [1.0] and all(len(r) in (1, 4) for r in records)


def test_a_tracker_without_trained_weights_is_refused_in_one_line(shared_data, tmp_path):
    data = _otb_folder(shared_data, tmp_path / "data", [("CrossA", 3)])
    args = ["--tracker", "siamrpnpp", "--dataset", "folder", "--root", data, "--results", tmp_path]
    proc = _run(*args, check_rc=2)
    assert proc.stdout == "" and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("error: siamrpnpp has no trained weights")
    # it names the trained alternatives and both ways out
    for hint in ("siamfc_ien", "siamfc_base", "siamfc_rotaug", "siamfc_ien_hetero", "--checkpoint", "--random-weights"):
        assert hint in proc.stderr
    assert not (tmp_path / "folder").exists()


def test_random_weights_opt_in_runs_says_so_and_suffixes_the_results(shared_data, tmp_path):
    data = _otb_folder(shared_data, tmp_path / "data", [("CrossA", 3)])
    proc = _run("--tracker", "siamrpnpp", "--random-weights", "--dataset", "folder", "--root", data, "--results",
                tmp_path, check_rc=0)
    out = tmp_path / "folder" / "siamrpnpp-random"
    assert "warning: siamrpnpp runs with random weights (--random-weights)" in proc.stderr and str(out) in proc.stderr
    assert sorted(p.name for p in (tmp_path / "folder").iterdir()) == ["siamrpnpp-random"]
    assert np.loadtxt(out / "CrossA.txt", delimiter=",").shape == (3, 4)
    assert "siamrpnpp-random" in proc.stdout  # the score table's row says it too
    assert _report(tmp_path, "folder", "siamrpnpp-random")["overall"]["sequences"] == 1


def test_random_weights_with_a_trained_or_opencv_tracker_is_refused(shared_data, tmp_path):
    for tracker in ("csrt", "siamfc_ien"):
        proc = _run("--tracker", tracker, "--random-weights", "--dataset", "folder", "--root", shared_data / "OTB",
                    "--results", tmp_path, check_rc=2)
        assert f"--random-weights: no tracker here lacks trained weights ({tracker})" in proc.stderr
    assert not any(tmp_path.iterdir())


def test_a_checkpoint_for_another_architecture_is_a_message(shared_data, tmp_path):
    import torch
    from models.weights import save_weights

    save_weights(torch.nn.Linear(2, 2), tmp_path / "other.safetensors")
    data = _otb_folder(shared_data, tmp_path / "data", [("CrossA", 2)])
    proc = _run("--tracker", "siamfc", "--checkpoint", tmp_path / "other.safetensors", "--dataset", "folder",
                "--root", data, "--results", tmp_path, check_rc=2)
    assert "other.safetensors: weights do not fit the model architecture" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "folder").exists()


def test_got10k_layout_zip_and_scores(shared_data, tmp_path):
    root = tmp_path / "GOT-10k"
    for split, n_boxes in (("val", 15), ("test", 1)):
        name = f"GOT-10k_{split.title()}_000001"
        seq = root / split / name
        seq.mkdir(parents=True)
        (root / split / "list.txt").write_text(name + "\n")
        gt = np.loadtxt(shared_data / "OTB" / "Crossing" / "groundtruth_rect.txt")[:15] - [1, 1, 0, 0]
        for i in range(15):
            (seq / f"{i + 1:08d}.jpg").symlink_to(shared_data / "OTB" / "Crossing" / "img" / f"{i + 1:04d}.jpg")
        np.savetxt(seq / "groundtruth.txt", gt[:n_boxes], fmt="%g", delimiter=",")
    _run("--tracker", "csrt", "--dataset", "GOT10k-val", "--root", root, "--results", tmp_path / "r", check_rc=0)
    report = _report(tmp_path / "r", "GOT10k-val")
    assert 0.3 < report["overall"]["ao"] <= 1
    proc = _run("--tracker", "csrt", "--dataset", "GOT10k-test", "--root", root, "--results", tmp_path / "r",
                "--zip", check_rc=0)
    assert "hidden" in proc.stdout
    with zipfile.ZipFile(tmp_path / "r" / "GOT10k-test" / "csrt.zip") as archive:
        # csrt is deterministic: one repetition, as the got10k package would stop after checking
        assert archive.namelist() == ["GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt",
                                      "GOT-10k_Test_000001/GOT-10k_Test_000001_time.txt"]
        boxes = np.loadtxt(archive.open("GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt"), delimiter=",")
    assert boxes.shape == (15, 4)


def test_folder_results_are_read_by_eval_tracker(shared_data, tmp_path):
    data = _otb_folder(shared_data, tmp_path / "data", [("CrossA", 20), ("CrossB", 12)])
    _run("--tracker", "csrt", "--dataset", "folder", "--root", data, "--results", tmp_path / "r", check_rc=0)
    ours = _report(tmp_path / "r", "folder")["overall"]
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "eval_tracker.py"), "--dataset", "folder", "--anno",
                           str(data), "--results", str(tmp_path / "r" / "folder")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    row = next(line for line in proc.stdout.splitlines() if line.startswith("csrt"))
    assert row.split()[1:3] == [f"{ours['success_auc']:.3f}", f"{ours['precision_20']:.3f}"]


def test_rotated_benchmark_runs_on_a_folder(shared_data, tmp_path):
    data = _otb_folder(shared_data, tmp_path / "data", [("CrossA", 20)])
    proc = _run("--tracker", "csrt", "--dataset", "folder", "--root", data, "--rotate", 3, "--results",
                tmp_path / "r", check_rc=0)
    boxes = np.loadtxt(tmp_path / "r" / "folder-rot3" / "csrt" / "CrossA.txt", delimiter=",")
    assert boxes.shape == (20, 4)
    # boxes live on the enlarged canvas: the 360x240 frames' diagonal is 433 px
    assert boxes[:, 0].max() < 433 and boxes[0, 0] > (433 - 360) / 2
    assert "AUC" in proc.stdout


def test_a_killed_run_resumes_to_the_same_files(shared_data, tmp_path):
    data = _otb_folder(shared_data, tmp_path / "data", [(f"Cross{c}", 10) for c in "ABCD"])
    args = ["--tracker", "csrt", "--dataset", "folder", "--root", data, "--no-progress"]
    _run(*args, "--results", tmp_path / "whole", check_rc=0)

    out = tmp_path / "killed" / "folder" / "csrt"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, str(TOOL), *map(str, args), "--results", tmp_path / "killed"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 60
    while not list(out.glob("*.txt")) and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    written = sorted(p.name for p in out.glob("*.txt"))
    assert 1 <= len(written) < 4, written  # stopped half-way

    rerun = _run(*args, "--results", tmp_path / "killed", check_rc=0)
    assert f"{len(written)} already done" in rerun.stdout
    whole = tmp_path / "whole" / "folder" / "csrt"
    assert sorted(p.name for p in out.glob("*.txt")) == sorted(p.name for p in whole.glob("*.txt"))
    for path in whole.glob("*.txt"):
        assert (out / path.name).read_bytes() == path.read_bytes()
    assert not (out / ".partial").exists()


def test_shards_over_two_machines_the_first_with_two_workers(shared_data, tmp_path):
    data = _otb_folder(shared_data, tmp_path / "data", [(f"Cross{c}", 8) for c in "ABCD"])
    args = ["--tracker", "csrt", "--dataset", "folder", "--root", data, "--results", tmp_path]
    first = _run(*args, "--workers", 2, check_rc=0, RANK="0", WORLD_SIZE="2")
    assert "(shard 1/2): 2 sequences run" in first.stdout and "2 sequences of other shards" in first.stdout
    assert sorted(p.name for p in (tmp_path / "folder" / "csrt").glob("*.txt")) == ["CrossA.txt", "CrossC.txt"]
    second = _run(*args, check_rc=0, RANK="1", WORLD_SIZE="2")
    assert "(shard 2/2): 2 sequences run" in second.stdout and "AUC" in second.stdout
    assert _report(tmp_path, "folder")["overall"]["sequences"] == 4


def test_an_unreadable_frame_fails_only_its_sequence(shared_data, tmp_path):
    data = _otb_folder(shared_data, tmp_path / "data", [("Good", 10), ("Bad", 10)])
    bad = data / "Bad" / "img" / "0004.jpg"
    bad.unlink()
    bad.write_bytes(b"not a jpeg")
    proc = _run("--tracker", "csrt", "--dataset", "folder", "--root", data, "--results", tmp_path / "r",
                check_rc=1)
    assert f"failed Bad: {bad}: cannot read image" in proc.stderr and "1 sequence(s) failed" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len((tmp_path / "r" / "folder" / "csrt" / "Good.txt").read_text().splitlines()) == 10
    assert not (tmp_path / "r" / "folder" / "csrt" / "Bad.txt").exists()


@pytest.mark.parametrize("args, expected", [
    (["--tracker", "nonesuch", "--dataset", "folder"], "unknown tracker 'nonesuch'; valid names: "),
    (["--tracker", "csrt", "--dataset", "OTB999"], "unknown benchmark 'OTB999'; expected one of OTB2013"),
    (["--tracker", "csrt", "--checkpoint", "w.pth", "--dataset", "folder"], "takes no checkpoint"),
    (["--tracker", "csrt", "--dataset", "OTB100", "--zip"], "--zip is for GOT-10k results"),
])
def test_bad_input_is_a_message_and_exit_2(shared_data, tmp_path, args, expected):
    proc = _run(*args, "--root", shared_data / "OTB", "--results", tmp_path, check_rc=2)
    assert expected in proc.stderr and "Traceback" not in proc.stderr
    if "unknown tracker" in expected:
        assert "csrt" in proc.stderr and "siamfc" in proc.stderr


def test_dataset_bad_input_from_the_command_line_is_a_message(tmp_path):
    """The loaders' errors reach the user as one line naming the file (and line), exit 2, no traceback."""
    def expect(args, message):
        proc = _run("--tracker", "csrt", *args, "--results", tmp_path / "r", check_rc=2)
        assert proc.stderr.startswith("error: ") and message in proc.stderr and "Traceback" not in proc.stderr

    absent = tmp_path / "absent"
    expect(["--dataset", "OTB100", "--root", absent], f"{absent}: OTB2015 root does not exist")
    clip = tmp_path / "data" / "clip"
    (clip / "img").mkdir(parents=True)
    (clip / "groundtruth_rect.txt").write_text("1,2,3,4\n")
    expect(["--dataset", "folder", "--root", tmp_path / "data"], "clip/img: empty image folder")
    import cv2
    for i in (1, 2):
        cv2.imwrite(str(clip / "img" / f"{i:04d}.jpg"), np.zeros((8, 8, 3), np.uint8))
    (clip / "groundtruth_rect.txt").write_text("1,2,3,4\n5,6,seven,8\n")
    expect(["--dataset", "folder", "--root", tmp_path / "data"], "groundtruth_rect.txt:2: non-numeric value 'seven'")
    (tmp_path / "vot").mkdir()
    (tmp_path / "vot" / "list.txt").write_text("../outside\n")
    expect(["--dataset", "VOT2018", "--root", tmp_path / "vot"],
           "list.txt:1: entry '../outside' escapes the dataset root")
