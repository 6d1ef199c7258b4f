"""Data-parallel training under torchrun with two gloo processes on the CPU."""
import os
import subprocess
import sys

import torch

from training.checkpoint import load_checkpoint

from training.trainer import build_network, seed_everything

from training_helpers import REPO, TINY_SIAMFC, write_run_config

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def test_two_gloo_processes_match_one_process_with_the_same_global_batch(tmp_path):
    # BatchNorm frozen: no batch statistics, so splitting the batch changes nothing but float rounding; ien mode
    # with C4 so the equivariance term (hooks, doubled batch, per-sample group elements) goes through DDP too
    config = write_run_config(tmp_path / "tiny.yaml", train={
        "mode": "ien", "freeze_batchnorm": True, "max_steps": 3, "optimizer": "sgd", "lr": 0.05,
        "checkpoint_interval": 100, "ien": {"group": "C4", "beta": 0.5}})
    common = ["tools/train_tracker.py", "--config", str(config), "--device", "cpu"]
    ddp = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                          *common, "--output", str(tmp_path / "ddp")],
                         cwd=REPO, env=ENV, capture_output=True, text=True, timeout=180)
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    assert "on 2 processes with identical weights" in ddp.stdout  # gathered from both ranks and compared
    one = subprocess.run([sys.executable, *common, "--output", str(tmp_path / "one")],
                         cwd=REPO, env=ENV, capture_output=True, text=True, timeout=120)
    assert one.returncode == 0, one.stderr[-3000:]
    a = load_checkpoint(tmp_path / "ddp" / "checkpoint.pt")["model"]
    b = load_checkpoint(tmp_path / "one" / "checkpoint.pt")["model"]
    assert a.keys() == b.keys()
    worst = max(float((a[k] - b[k]).abs().max()) for k in a)
    print(f"largest weight difference, 2 processes vs 1: {worst:.2e}")
    # float32 sums in a different order (two half-batches, then all-reduce) through 3 steps: ~1e-6
    for name in a:
        assert torch.allclose(a[name], b[name], rtol=1e-4, atol=1e-5), name
    seed_everything(3)  # the run's seed: the weights both runs started from
    initial = build_network(TINY_SIAMFC).state_dict()
    moved = max(float((a[k] - initial[k]).abs().max()) for k in a if a[k].is_floating_point())
    print(f"largest weight change in training: {moved:.2e}")
    assert moved > 100 * max(worst, 1e-7)  # they did train, by far more than the two runs differ
