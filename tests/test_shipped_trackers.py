"""The shipped trained trackers: every registered name builds with its committed weights (no checkpoint path),
and tracks a real sequence with finite boxes; the weights really are trained (they differ from a fresh network
and from each other), and the tools default to / accept them by name."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from datasets.benchmarks import load_benchmark
from models.weights import read_state_dict
from tracker.builder import build_from_config
from tracker.registry import REPO_ROOT, TRACKERS, build_tracker

SHIPPED = ("siamfc_ien", "siamfc_base", "siamfc_rotaug", "siamfc_ien_hetero", "siamfc_ien_rs", "dcf_ien", "dcf_base",
           "dcf_rotaug", "siamrpn_ien", "siamrpn_base", "siamrpn_rotaug")
#: a weight that training changes: the last convolution of each network
LAST_CONV = {"siamfc": "backbone.layer5.weight", "dcf": "backbone.layer2.weight", "siamrpn": "backbone.layer5.weight"}


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_tracker_tracks_real_frames(name, shared_data):
    seq = load_benchmark("folder", shared_data / "OTB", sequences=["Crossing"])[0]
    torch.set_num_threads(1)
    tracker = build_tracker(name)
    boxes, scores, _ = tracker.track([seq.image(i) for i in range(10)], seq.boxes[0])
    boxes = np.asarray(boxes)
    assert boxes.shape == (10, 4) and np.isfinite(boxes).all() and np.isfinite(scores[1:]).all()
    assert (boxes[:, 2:] > 0).all()
    centres = boxes[:, :2] + boxes[:, 2:] / 2
    width, height = seq.image_size
    assert ((centres >= 0) & (centres <= [width, height])).all()


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_weights_are_small_safe_and_trained(name):
    entry = TRACKERS[name]
    path = REPO_ROOT / entry.checkpoint
    assert path.stat().st_size < 5e6
    state, meta = read_state_dict(path)
    assert meta["mode"] == {"plain": "plain", "base": "plain", "rotaug": "rotaug"}.get(name.split("_")[-1], "ien")
    fresh = build_from_config(REPO_ROOT / entry.target).model.state_dict()
    key = LAST_CONV[name.split("_")[0]]
    assert not torch.allclose(state[key], fresh[key])


def test_baselines_share_the_ien_architecture_but_not_its_weights():
    ien, base = (read_state_dict(REPO_ROOT / TRACKERS[n].checkpoint)[0] for n in ("siamfc_ien", "siamfc_base"))
    assert ien.keys() == base.keys()
    assert not torch.equal(ien["backbone.layer1.0.weight"], base["backbone.layer1.0.weight"])


def test_demo_runs_the_shipped_dcf_ien_tracker_by_default(shared_data, tmp_path):
    """No --tracker: tools/demo.py tracks with dcf_ien, the best shipped tracker (its weights are found with no
    path given)."""
    frames = tmp_path / "frames"
    frames.mkdir()
    for path in sorted((shared_data / "OTB" / "Crossing" / "img").glob("*.jpg"))[:8]:
        (frames / path.name).symlink_to(path)
    x, y, w, h = load_benchmark("folder", shared_data / "OTB", sequences=["Crossing"])[0].boxes[0]
    log = tmp_path / "boxes.txt"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("DISPLAY", None)
    result = subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "demo.py"), "--images", str(frames),
                             "--init", f"{x},{y},{w},{h}", "--no-display", "--log", str(log)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "tracked 8 frames" in result.stderr
    rows = np.loadtxt(log, delimiter=",")
    assert rows.shape == (8, 6) and np.isfinite(rows).all()
    usage = subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "demo.py"), "--help"],
                           capture_output=True, text=True, env=env, timeout=60).stdout
    assert "(default: dcf_ien)" in " ".join(usage.split())
