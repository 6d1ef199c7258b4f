"""tools/train_tracker.py end to end on a tiny model and synthetic pairs: exact resume, bad inputs."""
import csv
import os
import subprocess

import numpy as np
import pytest
import torch

from training.checkpoint import load_checkpoint

from training_helpers import (REPO, RPN_SEARCH, RPN_TEMPLATE, RPN_TRACKER, TINY_SIAMFC, TINY_SIAMRPN,
                              TINY_SIAMRPN_ALEX, tool_command, write_run_config)

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _run(*args, check=True):
    proc = subprocess.run(tool_command(*args), cwd=REPO, env=ENV, capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _states_equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


RPN_PAIRS = {"template_size": RPN_TEMPLATE, "search_size": RPN_SEARCH, "pairs_per_epoch": 16}
#: configs/siamrpn_ien.yaml's crops: 191 px search crops in training (9x9 score map), 255 px in tracking
ALEX_RPN_PAIRS = {"template_size": RPN_TEMPLATE, "search_size": 191, "pairs_per_epoch": 16}


@pytest.mark.parametrize("mode, model, tracker, pairs", [
    ("ien", TINY_SIAMFC, None, None),  # forward hooks, doubled batch, per-sample group elements
    ("rotaug", TINY_SIAMRPN, RPN_TRACKER, RPN_PAIRS),  # anchors, sampled anchor targets, neck and RPN head
    ("ien", TINY_SIAMRPN_ALEX, RPN_TRACKER, ALEX_RPN_PAIRS),  # the siamrpn_ien recipe: IEN term under the RPN loss
], ids=["siamfc-ien", "siamrpn-rotaug", "siamrpn-ien"])
def test_two_k_steps_equal_k_steps_resume_k_steps(tmp_path, mode, model, tracker, pairs):
    config = write_run_config(tmp_path / "tiny.yaml", train={"mode": mode, "checkpoint_interval": 100},
                              model=model, tracker=tracker, data={"pairs": pairs} if pairs else None)
    straight, split = tmp_path / "straight", tmp_path / "split"
    # one go with 2 DataLoader workers; stopped at step 3 (inside epoch 0 of 4 steps) and resumed with none
    _run("--config", config, "--output", straight, "--set", "train.max_steps=6", "--set", "train.workers=2")
    _run("--config", config, "--output", split, "--set", "train.max_steps=3")
    first = load_checkpoint(split / "checkpoint.pt")
    assert first["step"] == 3
    _run("--config", config, "--output", split, "--set", "train.max_steps=6", "--resume")
    a, b = load_checkpoint(straight / "checkpoint.pt"), load_checkpoint(split / "checkpoint.pt")
    assert a["step"] == b["step"] == 6
    assert _states_equal(a["model"], b["model"])
    assert not _states_equal(first["model"], b["model"])  # the resumed half did train
    momentum = [s["momentum_buffer"] for s in a["optimizer"]["state"].values()]
    assert all(torch.equal(m, n["momentum_buffer"]) for m, n in zip(momentum, b["optimizer"]["state"].values()))
    with open(split / "log.csv") as fh:
        steps = [int(row["step"]) for row in csv.DictReader(fh)]
    assert steps == [1, 2, 3, 4, 5, 6]
    assert list((split / "tensorboard").glob("events.out.tfevents.*"))
    # the run folder is a tracker: its resolved config and weights build one that tracks
    from tracker.builder import build_from_config

    tracker = build_from_config(split / "config.yaml", split / "model.safetensors")
    assert _states_equal(tracker.model.state_dict(), {k: v for k, v in b["model"].items()})
    frame = np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    tracker.init(frame, (60, 40, 30, 30))
    assert np.isfinite(tracker.update(frame)).all()


def test_unknown_config_key_lists_the_valid_keys(tmp_path):
    config = write_run_config(tmp_path / "tiny.yaml", train={"learning_rate": 0.1})
    proc = _run("--config", config, "--output", tmp_path / "out", check=False)
    assert proc.returncode == 2
    assert "unknown key(s) learning_rate" in proc.stderr and "batch_size" in proc.stderr and "lr" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_dataset_path_is_named(tmp_path):
    missing = tmp_path / "no_such_dataset"
    config = write_run_config(tmp_path / "tiny.yaml", data={"root": str(tmp_path), "sources": [
        {"kind": "synthetic", "count": 2}, {"kind": "folder", "path": "no_such_dataset"}]})
    proc = _run("--config", config, "--output", tmp_path / "out", check=False)
    assert proc.returncode == 2
    assert str(missing) in proc.stderr and "data.sources[1]" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_nan_loss_stops_with_step_and_terms_and_keeps_the_last_good_checkpoint(tmp_path):
    config = write_run_config(tmp_path / "tiny.yaml", train={"lr": 1.0e30, "grad_clip": 0.0,
                                                             "checkpoint_interval": 1})
    proc = _run("--config", config, "--output", tmp_path / "out", check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    message = proc.stderr.strip().splitlines()[-1]
    assert message.startswith("error: loss is not finite at step 2 (loss=nan, cls=nan)")
    assert "(step 1) kept" in message
    kept = load_checkpoint(tmp_path / "out" / "checkpoint.pt")
    assert kept["step"] == 1
    assert all(torch.isfinite(v).all() for v in kept["model"].values() if v.is_floating_point())


def test_cpu_bf16_trains_a_step_in_bfloat16_and_amp_stays_off_on_the_cpu(tmp_path):
    from core.config import load_yaml
    from training.config import parse_run_config
    from training.trainer import build_network, seed_everything, train

    config = load_yaml(write_run_config(tmp_path / "tiny.yaml", train={"max_steps": 1, "amp": False}))

    def one_step(name, **train_values):
        run = parse_run_config({**config, "train": {**config["train"], **train_values}})
        result = train(run, tmp_path / name, device="cpu")
        return result.terms["loss"], load_checkpoint(result.checkpoint)["model"]

    loss32, weights32 = one_step("fp32")
    loss_amp, weights_amp = one_step("amp", amp=True)  # CUDA's float16 autocast: a no-op on the CPU
    loss16, weights16 = one_step("bf16", cpu_bf16=True)
    assert loss_amp == loss32 and _states_equal(weights_amp, weights32)
    seed_everything(3)  # the runs' seed: the weights all three started from
    initial = build_network(TINY_SIAMFC)
    names = [name for name, _ in initial.named_parameters()]
    step32 = torch.cat([(weights32[k] - initial.state_dict()[k]).flatten() for k in names])
    step16 = torch.cat([(weights16[k] - initial.state_dict()[k]).flatten() for k in names])
    off = float((step16 - step32).norm() / step32.norm())
    cosine = float(torch.nn.functional.cosine_similarity(step16, step32, dim=0))
    print(f"one step, bfloat16 vs float32: loss {loss16:.6f} vs {loss32:.6f}, relative step difference {off:.2e}, "
          f"cosine {cosine:.4f}")
    assert loss16 != loss32 and abs(loss16 - loss32) < 0.01 * loss32
    # the same step up to bfloat16 rounding (8-bit mantissa): not identical, but in the same direction
    assert off > 1e-3 and cosine > 0.98
