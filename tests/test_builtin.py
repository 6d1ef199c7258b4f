"""``tools/test_tracker.py --builtin``: trackers side by side on the built-in synthetic benchmark, one ranked table
with success AUC, precision@20 and FPS, resuming on a rerun, unavailable default trackers skipped with one warning,
and unknown names refused. Small sizes (2 sequences x 20 frames) and a small random SiamFC keep it to seconds."""
import json
import pickle
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from core.cli import run_tool
from core.config import load_yaml
from eval.runners import builtin
from eval.runners.builtin import builtin_sequences, runnable_trackers
from tool_modules import load_tool
from tracker import registry

REPO = Path(__file__).resolve().parents[1]
SMALL = ["--builtin-sequences", "2", "--builtin-frames", "20", "--no-progress"]


@pytest.fixture()
def tool(monkeypatch):
    """The tool's module, run in this process; the thread counts it sets are put back afterwards."""
    module = load_tool("test_tracker", monkeypatch)
    threads = torch.get_num_threads(), cv2.getNumThreads()
    yield module
    torch.set_num_threads(threads[0])
    cv2.setNumThreads(threads[1])


@pytest.fixture()
def small_siamfc(tmp_path):
    """A narrow single-scale SiamFC config (random weights): a learned tracker that runs fast."""
    cfg = load_yaml(REPO / "configs" / "siamfc_alexnet.yaml")
    cfg["model"]["width"] = 0.125
    cfg["tracker"]["scale_num"] = 1
    path = tmp_path / "small_siamfc.yaml"
    path.write_text(json.dumps(cfg))  # JSON is YAML
    return path


def _table(out: str) -> dict:
    """Tracker -> (AUC, Prec@20, FPS) from the ranked table printed last."""
    lines = out[out.rindex("Tracker "):].splitlines()
    header = lines[0].split()
    rows = {}
    for line in lines[2:]:
        if not line.strip() or line.startswith("report:"):
            break
        name, *cells = line.split()
        values = dict(zip(header[1:], map(float, cells)))
        rows[name] = (values["AUC"], values["Prec@20"], values["FPS"])
    return rows


def test_builtin_compares_trackers_and_resumes(tool, small_siamfc, tmp_path, capsys):
    results = tmp_path / "results"
    argv = ["--builtin", "--tracker", "csrt", str(small_siamfc), "--random-weights", "--results", str(results), *SMALL]
    assert run_tool(tool.main, argv) == 0
    first = capsys.readouterr().out
    rows = _table(first)
    assert set(rows) == {"csrt", "small_siamfc-random"}  # the untrained config's row says so
    for auc, prec, fps in rows.values():
        assert 0.0 <= auc <= 1.0 and 0.0 <= prec <= 1.0 and fps > 0
    # CSRT follows these distractor-free targets: most frames overlap the ground truth
    assert rows["csrt"][0] > 0.4 and rows["csrt"][1] > 0.8
    assert first.count("2 sequences run, 0 already done") == 2

    run_dir = results / "synthetic-2x20"
    boxes = np.loadtxt(run_dir / "csrt" / "synthetic_00.txt", delimiter=",")
    assert boxes.shape == (20, 4)
    assert np.allclose(boxes[0], builtin_sequences(2, 20)[0].boxes[0], atol=0.01)  # 0-based, first box = gt
    report = json.loads((results / "reports" / "synthetic-2x20" / "report.json").read_text())
    assert report["protocol"] == "onepass"
    assert report["trackers"]["csrt"]["overall"]["success_auc"] == pytest.approx(rows["csrt"][0], abs=5e-4)

    stamps = {p: p.stat().st_mtime_ns for p in run_dir.rglob("*.txt")}
    assert run_tool(tool.main, argv) == 0
    second = capsys.readouterr().out
    assert second.count("0 sequences run, 2 already done") == 2
    assert _table(second) == rows
    assert {p: p.stat().st_mtime_ns for p in run_dir.rglob("*.txt")} == stamps


def test_default_trackers_unavailable_are_skipped_with_one_warning(tool, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(registry.TRACKERS, "shipped_but_untrained",
                        registry.Entry("configs/siamfc_alexnet.yaml", "weights/no_such_weights.safetensors"))
    monkeypatch.setattr(builtin, "BUILTIN_TRACKERS", ("never_registered", "shipped_but_untrained", "csrt"))
    assert runnable_trackers() == (["csrt"], ["never_registered", "shipped_but_untrained"])

    assert run_tool(tool.main, ["--builtin", "--results", str(tmp_path), *SMALL]) == 0
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "never_registered" in warnings[0] and "shipped_but_untrained" in warnings[0]
    assert set(_table(captured.out)) == {"csrt"}


def test_unknown_tracker_lists_valid_names(tool, tmp_path, capsys):
    assert run_tool(tool.main, ["--builtin", "--tracker", "csrt", "no_such_tracker", "--results",
                                str(tmp_path), *SMALL]) == 2
    err = capsys.readouterr().err
    assert "no_such_tracker" in err and re.search(r"valid names: .*csrt.*kcf", err)
    assert not any(tmp_path.iterdir())  # every name is checked before anything runs


def test_builtin_refuses_an_untrained_config_before_running_anything(tool, small_siamfc, tmp_path, capsys):
    argv = ["--builtin", "--tracker", "csrt", str(small_siamfc), "--results", str(tmp_path / "results"), *SMALL]
    assert run_tool(tool.main, argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {small_siamfc} has no trained weights") and err.count("\n") == 1
    assert not (tmp_path / "results").exists()


def test_builtin_refuses_dataset_options(tool, capsys):
    assert run_tool(tool.main, ["--builtin", "--dataset", "OTB100", "--root", "x"]) == 2
    assert "--dataset, --root" in capsys.readouterr().err


def test_builtin_sequences_travel_to_worker_processes():
    """Worker processes receive sequences pickled; a synthetic one must render the same frames after the trip."""
    seq = builtin_sequences(1, 5)[0]
    copy = pickle.loads(pickle.dumps(seq))
    assert np.array_equal(copy.image(4), seq.image(4))
    assert np.array_equal(copy.boxes, seq.boxes)
