"""Data-parallel training under torchrun with two gloo processes on the CPU, BatchNorm trained."""
import csv
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from training.checkpoint import load_checkpoint

from training.trainer import build_network, seed_everything

from training_helpers import REPO, TINY_SIAMFC, write_run_config

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# ien mode with C8: the equivariance term (hooks, doubled batch, per-sample group elements) goes through DDP, and
# its masks differ per element (zero for odd multiples of 45 degrees on C4 fields), so per-process mask counts
# differ. Two steps: the tied (exactly equivariant) start makes the term's gradient a small difference of large
# features, which multiplies float rounding differences some twentyfold per step (a one-process run on 1 vs 2
# threads differs by 7e-6 after three steps), and step 2 is the first with a non-zero equivariance term.
TRAIN = {"mode": "ien", "max_steps": 2, "optimizer": "sgd", "lr": 0.05, "checkpoint_interval": 100,
         "channels_last": False, "ien": {"group": "C8", "beta": 0.5}}
LOGGED = ("loss", "cls", "ien", "ien_x", "ien_z", "E_x/backbone.layer2", "E_z/backbone.layer4")


def _train(config, output, processes: int, *overrides):
    launcher = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes)]
    args = ["tools/train_tracker.py", "--config", str(config), "--device", "cpu", "--output", str(output)]
    for item in overrides:
        args += ["--set", item]
    proc = subprocess.run([sys.executable, *(launcher if processes > 1 else []), *args],
                          cwd=REPO, env=ENV, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    if processes > 1:
        assert f"on {processes} processes with identical weights" in proc.stdout  # gathered from all, compared
    return load_checkpoint(output / "checkpoint.pt")["model"]


def _logged(output) -> np.ndarray:
    with open(output / "log.csv") as fh:
        return np.array([[float(row[k]) for k in LOGGED] for row in csv.DictReader(fh)])


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    """The run in one process on the global batch: the reference both tests compare with."""
    folder = tmp_path_factory.mktemp("ddp")
    config = write_run_config(folder / "tiny.yaml", train=TRAIN)
    return config, _train(config, folder / "one", 1), _logged(folder / "one")


def _largest_difference(a: dict, b: dict, names) -> float:
    return max(float((a[k].double() - b[k].double()).abs().max()) for k in names)


def test_two_gloo_processes_match_one_process_with_the_same_global_batch(one_process, tmp_path):
    # BatchNorm normalises with the statistics of the global batch (train.sync_batchnorm, on by default)
    config, one, one_log = one_process
    two = _train(config, tmp_path / "ddp", 2)
    assert two.keys() == one.keys()
    # float sums in a different order (two half-batches, then all-reduce), BatchNorm statistics included (both runs
    # in NCHW, train.channels_last false: channels-last convolutions sum in a batch-size-dependent order)
    for name in one:
        assert torch.allclose(two[name], one[name], rtol=1e-5, atol=1e-5), name
    # BatchNorm trained, not frozen: one update per branch (template, search) and step
    assert int(one["backbone.layer1.1.num_batches_tracked"]) == 2 * TRAIN["max_steps"]
    # the log shows the global batch's terms, not rank 0's share (written with 6 significant digits)
    assert one_log[-1, LOGGED.index("ien")] > 0.1
    assert np.allclose(_logged(tmp_path / "ddp"), one_log, rtol=1e-4, atol=1e-6)
    seed_everything(3)  # the run's seed: the weights both runs started from
    initial = build_network(TINY_SIAMFC)
    names = [name for name, _ in initial.named_parameters()]
    moved, apart = _largest_difference(one, initial.state_dict(), names), _largest_difference(one, two, names)
    print(f"largest weight change in training: {moved:.2e}; largest weight difference: {apart:.2e}")
    assert moved > 100 * max(apart, 1e-7)  # they did train, by far more than the two runs differ


def test_per_process_batchnorm_statistics_train_another_network(one_process, tmp_path):
    # train.sync_batchnorm false: each process normalises with its own half-batch (plain DDP); the processes
    # still end with the same weights (the main process's running statistics are kept)
    config, one, _ = one_process
    local = _train(config, tmp_path / "local", 2, "train.sync_batchnorm=false")
    worst = _largest_difference(local, one, [name for name, _ in build_network(TINY_SIAMFC).named_parameters()])
    print(f"largest weight difference, per-process BatchNorm vs 1 process: {worst:.2e}")
    assert worst > 1e-3  # a hundred times the tolerance the global-statistics run meets
