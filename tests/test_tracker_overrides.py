"""``--set tracker.KEY=VALUE`` at test time (test_tracker, demo, the registry, the runner's TrackerSpec), and result
caches keyed by what the tracker is built from rather than by its label."""
from pathlib import Path

import numpy as np
import pytest
import torch

from core.cli import run_tool
from eval.runners.builtin import builtin_sequences
from eval.runners.jobs import TrackerSpec
from models.weights import save_weights
from tool_modules import load_tool

REPO = Path(__file__).resolve().parents[1]
DCF = str(REPO / "configs" / "dcf_ien.yaml")


def _tool(name, monkeypatch, capsys, *args) -> tuple:
    """Run ``tools/<name>.py`` in-process the way its command line does: ``(exit code, stdout, stderr)``."""
    monkeypatch.delenv("RANK", raising=False), monkeypatch.delenv("WORLD_SIZE", raising=False)
    code = run_tool(load_tool(name, monkeypatch).main, [str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("setting, message", [
    ("tracker.bogus=1", "tracker: unknown key(s) bogus; valid keys:"),
    ("tracker.rotation.methd=reencode", "tracker.rotation: unknown key(s) methd"),
    ("model.width=2", "expected tracker.KEY=VALUE"),
    ("tracker.scale_num=two", "tracker.scale_num: expected an integer"),
])
def test_a_wrong_setting_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, setting, message):
    code, _, err = _tool("test_tracker", monkeypatch, capsys, "--builtin", "--tracker", "siamfc_ien",
                         "--builtin-sequences", "1", "--builtin-frames", "2", "--results", tmp_path, "--no-progress",
                         "--set", setting)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and message in lines[0], err
    assert not any(tmp_path.iterdir())  # refused before anything ran


def test_demo_refuses_a_wrong_setting_in_one_line(tmp_path, monkeypatch, capsys):
    code, _, err = _tool("demo", monkeypatch, capsys, "--images", tmp_path, "--no-display", "--init", "1,1,5,5",
                         "--set", "tracker.bogus=1")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "unknown key(s) bogus" in lines[0], err


def test_a_setting_reaches_the_tracker_run_by_test_tracker(tmp_path, monkeypatch, capsys):
    """scale_num=1 removes the scale search, so the tracked box keeps its first size; the results go to a folder
    named after the setting, apart from the plain tracker's."""
    code, out, err = _tool("test_tracker", monkeypatch, capsys, "--builtin", "--tracker", "siamfc_ien",
                           "--builtin-sequences", "1", "--builtin-frames", "6", "--results", tmp_path, "--no-progress",
                           "--set", "tracker.scale_num=1")
    assert code == 0, out + err
    [folder] = (tmp_path / "synthetic-1x6").iterdir()
    assert folder.name == "siamfc_ien+scale_num=1"
    boxes = np.loadtxt(next(folder.glob("*.txt")), delimiter=",")
    assert boxes.shape == (6, 4)
    np.testing.assert_allclose(boxes[1:, 2:], np.repeat(boxes[:1, 2:], 5, axis=0), atol=1e-3)
    assert np.abs(np.diff(boxes[:, :2], axis=0)).max() > 0  # it did track: the box moved


def test_settings_and_seed_reach_the_built_tracker():
    spec = TrackerSpec(DCF, overrides=("tracker.rotation.enabled=true", "tracker.rotation.method=reencode",
                                       "tracker.interp_factor=0.05"), seed=3)
    tracker = spec.build()
    assert tracker.cfg.rotation.enabled and tracker.cfg.rotation.method == "reencode"
    assert tracker.cfg.interp_factor == 0.05
    assert tracker.name == "dcf_ien+rotation.enabled=true,rotation.method=reencode,interp_factor=0.05"
    plain = TrackerSpec(DCF).build()
    assert not plain.cfg.rotation.enabled and plain.cfg.interp_factor == 0.01 and plain.name == "dcf_ien"
    # the seed makes the random control reproducible, and another seed gives other weights
    again = spec.build().model.state_dict()
    other = TrackerSpec(DCF, seed=4).build().model.state_dict()
    for key, value in tracker.model.state_dict().items():
        assert torch.equal(value, again[key])
    assert any(not torch.equal(value, other[key]) for key, value in tracker.model.state_dict().items())


def test_the_cache_key_follows_the_weights_bytes_settings_and_seed(tmp_path):
    weights = tmp_path / "model.safetensors"
    torch.manual_seed(0)
    save_weights(TrackerSpec(DCF).build().model, weights)
    spec = TrackerSpec(DCF, str(weights))
    first = spec.fingerprint()
    assert first == TrackerSpec(DCF, str(weights), "cuda").fingerprint()  # the device is not part of it
    torch.manual_seed(1)
    save_weights(TrackerSpec(DCF).build().model, weights)  # same path, same label, other weights
    assert spec.fingerprint() != first
    assert TrackerSpec(DCF, str(weights), overrides=("tracker.interp_factor=0.02",)).fingerprint() != \
        spec.fingerprint()
    assert TrackerSpec(DCF, seed=0).fingerprint() != TrackerSpec(DCF, seed=1).fingerprint()


def test_replaced_weights_are_run_again_not_reused(tmp_path, monkeypatch):
    """ien_common.onepass_report under one label: new weights in the same file get their own results."""
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    import ien_common

    weights = tmp_path / "model.safetensors"
    sequences = builtin_sequences(1, 8)
    runs = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        save_weights(TrackerSpec(DCF).build().model, weights)
        report, out_dir = ien_common.onepass_report("dcf", TrackerSpec(DCF, str(weights)), sequences, "bench",
                                                    tmp_path / "results")
        runs.append(out_dir)
        assert report["overall"]["sequences"] == 1
    assert runs[0] != runs[1] and runs[0].parent == runs[1].parent and runs[0].name.startswith("dcf-")
    for out_dir in runs:  # each model's own results, not the first reused
        assert (out_dir / f"{sequences[0].name}.txt").is_file()


def test_settings_need_the_torch_backend(tmp_path, monkeypatch, capsys):
    code, _, err = _tool("test_tracker", monkeypatch, capsys, "--builtin", "--tracker", "siamfc_ien",
                         "--builtin-sequences", "1", "--builtin-frames", "2", "--results", tmp_path, "--no-progress",
                         "--backend", "onnxruntime", "--set", "tracker.scale_num=1")
    assert code == 2 and err.strip() == "error: --set needs --backend torch (an ONNX export fixes the tracker's settings)"
