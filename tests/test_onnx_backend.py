"""ONNX export and the onnxruntime backend: checked files with the documented fixed shapes, the same numbers as
PyTorch (random crops of tiny networks, real crops of the shipped tracker), a tracker that runs with PyTorch
blocked, the --backend switch through tools/test_tracker.py, and one-line errors when a package is missing."""
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import onnx
import pytest
import torch

from core.cli import run_tool
from core.config import load_yaml
from models.preprocess import images_to_tensor
from models.weights import save_weights
from tests.tool_modules import load_tool
from tracker.builder import build_from_config
from tracker.onnx_export import export_tracker
from tracker.onnx_network import MANIFEST, load_onnx_tracker
from tracker.registry import build_tracker

REPO = Path(__file__).resolve().parents[1]
TINY = {
    # rotation search on: the template part must export the 4 rotated templates as well
    "siamfc": "model: {kind: siamfc, width: 0.25, groups: {orders: [4], ratios: [1]}}\n"
              "tracker: {rotation: {enabled: true}}\n",
    "siamrpn": "model: {kind: siamrpn, backbone: resnet18, width: 0.25, neck_channels: 16}\n",
    # the scale pyramid zoomed from one crop's features: the zoom (grid sampling) is part of the search graph
    "siamfc_features": "model: {kind: siamfc, width: 0.25, groups: {orders: [4], ratios: [1]}}\n"
                       "tracker: {scale_pyramid: features, scale_step: 1.2}\n",
    # the siamrpn_ien architecture (AlexNet, one level) with its quarter-turn search: 4 templates in one level
    "siamrpn_turned": "model: {kind: siamrpn, backbone: alexnet, width: 0.25, neck_channels: 16,\n"
                      "        groups: {orders: [4], ratios: [1]}, init: rotation_tied}\n"
                      "tracker: {rotation: {enabled: true}}\n",
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Per kind: a tiny config, its (seeded random) weights, and its export made by tools/export_onnx.py."""
    root = tmp_path_factory.mktemp("tiny")
    made = {}
    mp = pytest.MonkeyPatch()
    tool = load_tool("export_onnx", mp)
    for kind, text in TINY.items():
        config, weights, folder = root / f"{kind}.yaml", root / f"{kind}.safetensors", root / f"{kind}_onnx"
        config.write_text(text)
        torch.manual_seed(0)
        tracker = build_from_config(config)
        _randomise_batchnorm(tracker.model)
        save_weights(tracker.model, weights, {"model": load_yaml(config)["model"]})
        code = run_tool(tool.main, ["--tracker", str(config), "--checkpoint", str(weights), "--output", str(folder)])
        assert code == 0
        made[kind] = (config, weights, folder)
    mp.undo()
    return made


def _randomise_batchnorm(model):
    """Non-trivial running statistics, so the export must carry eval-mode BatchNorm, not the identity."""
    gen = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=gen))
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)


def test_export_writes_checked_files_with_the_documented_fixed_shapes(tiny):
    import onnxruntime as ort

    folder = tiny["siamfc"][2]
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["facts"] == {"kind": "siamfc", "total_stride": 8, "rotation_order": 4}
    assert manifest["tracker"]["scale_num"] == 3 and manifest["tracker"]["rotation"]["enabled"] is True
    parts = manifest["parts"]
    assert parts["template"]["inputs"] == [{"name": "crops", "shape": [1, 127, 127, 3], "dtype": "uint8"}]
    assert parts["template"]["outputs"][0]["shape"][0] == 4  # one template per rotation step
    assert parts["search"]["inputs"][0]["shape"] == [3, 255, 255, 3]  # the 3 scales in one batch
    assert parts["head"]["outputs"] == [{"name": "response", "shape": [3, 1, 17, 17], "dtype": "float32"}]
    for part, spec in parts.items():
        path = folder / spec["file"]
        onnx.checker.check_model(str(path), full_check=True)
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        assert [(i.name, i.shape) for i in session.get_inputs()] == [(i["name"], i["shape"]) for i in spec["inputs"]]
        assert [(o.name, o.shape) for o in session.get_outputs()] == [(o["name"], o["shape"])
                                                                     for o in spec["outputs"]]


def _parts_agree(torch_net, onnx_net, crops_z, crops_x) -> dict:
    """Largest difference of every part's outputs, relative to the output's own scale, with each backend fed
    its own template and search features (as a tracker runs them)."""
    zt, zo = torch_net.run("template", crops_z), onnx_net.run("template", crops_z)
    xt, xo = torch_net.run("search", crops_x), onnx_net.run("search", crops_x)
    ht = torch_net.run("head", *(z[:1] for z in zt), *xt)
    ho = onnx_net.run("head", *(z[:1] for z in zo), *xo)
    out = {}
    for part, (a, b) in {"template": (zt, zo), "search": (xt, xo), "head": (ht, ho)}.items():
        out[part] = max(float(np.abs(torch_net.numpy(u) - v).max() / max(1.0, np.abs(v).max()))
                        for u, v in zip(a, b))
    return out


@pytest.mark.parametrize("kind", ["siamfc", "siamrpn", "siamfc_features", "siamrpn_turned"])
def test_both_backends_agree_on_random_crops(tiny, kind):
    config, weights, folder = tiny[kind]
    torch_tracker = build_from_config(config, checkpoint=weights)
    onnx_tracker = load_onnx_tracker(folder, threads=1)
    rng = np.random.default_rng(3)
    z = rng.integers(0, 256, (1, 127, 127, 3), dtype=np.uint8)
    x = rng.integers(0, 256, (3 if kind == "siamfc" else 1, 255, 255, 3), dtype=np.uint8)
    errors = _parts_agree(torch_tracker.network, onnx_tracker.network, z, x)
    assert max(errors.values()) < 1e-4, errors


def _otb(root, name, n):
    seq = root / "OTB" / name
    frames = [cv2.imread(str(p)) for p in sorted((seq / "img").glob("*.jpg"))[:n]]
    box = np.array([float(v) for v in (seq / "groundtruth_rect.txt").read_text().split("\n")[0]
                    .replace(",", " ").split()])
    box[:2] -= 1
    return frames, box

def track_without_torch(export, sequence, box, n: int) -> np.ndarray:
    """Boxes of the tracker exported to ``export`` on the first ``n`` frames of an OTB-layout ``sequence``,
    tracked in a fresh interpreter where ``import torch`` fails (the onnxruntime path must not need it)."""
    script = (
        "import sys, json, cv2, numpy as np\n"
        "sys.modules['torch'] = None\n"
        "from tracker.onnx_network import load_onnx_tracker\n"
        f"tracker = load_onnx_tracker({str(export)!r}, threads=1)\n"
        f"paths = sorted(__import__('glob').glob({str(Path(sequence) / 'img' / '*.jpg')!r}))[:{n}]\n"
        f"boxes, _, _ = tracker.track([cv2.imread(p) for p in paths], {np.asarray(box).tolist()!r})\n"
        "print(json.dumps(boxes.tolist()))\n"
        "assert sys.modules['torch'] is None\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return np.array(json.loads(done.stdout.strip().splitlines()[-1]))



@pytest.fixture(scope="module")
def shipped_export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("siamfc_ien_onnx")
    export_tracker(build_tracker("siamfc_ien"), folder, {"tracker": "siamfc_ien"})
    return folder


def test_shipped_tracker_response_maps_agree_on_real_frames(shared_data, shipped_export):
    """The same real crops (template from frame 1, search at 3 scales on frames 5 and 20 of OTB Crossing)
    through both backends: response maps within 1e-4, and the two trackers report the same boxes."""
    frames, box = _otb(shared_data, "Crossing", 21)
    torch_tracker = build_tracker("siamfc_ien")
    onnx_tracker = load_onnx_tracker(shipped_export, threads=1)
    torch_tracker.init(frames[0], box)
    onnx_tracker.init(frames[0], box)
    for i in (5, 20):
        x = torch_tracker.crops(frames[i], torch_tracker.center, torch_tracker.search_side(torch_tracker.base_z)
                                * torch_tracker.scales.factors, 255)
        rt = torch_tracker.network.numpy(torch_tracker.network.run(
            "head", *torch_tracker.rotation.template(0), *torch_tracker.network.run("search", x))[0])
        ro = onnx_tracker.network.run("head", *onnx_tracker.rotation.template(0),
                                      *onnx_tracker.network.run("search", x))[0]
        assert rt.shape == (3, 1, 17, 17) and np.ptp(rt) > 0.1  # a real response, not a flat map
        assert np.abs(rt - ro).max() < 1e-4
    boxes_t, _, _ = build_tracker("siamfc_ien").track(frames, box)
    boxes_o, _, _ = onnx_tracker.track(frames, box)
    assert np.abs(boxes_t - boxes_o).max() < 1e-3


def test_onnx_tracker_runs_with_pytorch_blocked(shared_data, shipped_export):
    """A fresh interpreter where ``import torch`` fails builds the tracker from the exported files and tracks;
    its boxes are the PyTorch tracker's."""
    frames, box = _otb(shared_data, "Crossing", 8)
    boxes_o = track_without_torch(shipped_export, shared_data / "OTB" / "Crossing", box, len(frames))
    boxes_t, _, _ = build_tracker("siamfc_ien").track(frames, box)
    assert np.abs(boxes_t - boxes_o).max() < 1e-3


def _builtin_boxes(results: Path) -> np.ndarray:
    files = sorted(p for p in results.glob("synthetic-1x6/*/*.txt"))
    assert len(files) == 1, files
    return np.loadtxt(files[0], delimiter=",")


def test_backend_switch_through_test_tracker(tiny, tmp_path, monkeypatch):
    """The same tiny SiamFC (rotation search on) on 6 synthetic frames: from its export with --backend
    onnxruntime --threads 1, and from its config and weights with PyTorch; same boxes."""
    config, weights, folder = tiny["siamfc"]
    tool = load_tool("test_tracker", monkeypatch)
    common = ["--builtin", "--builtin-sequences", "1", "--builtin-frames", "6", "--no-progress"]
    assert run_tool(tool.main, common + ["--tracker", str(folder), "--backend", "onnxruntime", "--threads", "1",
                                         "--results", str(tmp_path / "ort")]) == 0
    assert run_tool(tool.main, common + ["--tracker", str(config), "--checkpoint", str(weights),
                                         "--results", str(tmp_path / "torch")]) == 0
    ort_boxes, torch_boxes = _builtin_boxes(tmp_path / "ort"), _builtin_boxes(tmp_path / "torch")
    assert ort_boxes.shape == (6, 4) and np.isfinite(ort_boxes).all()
    assert np.abs(ort_boxes - torch_boxes).max() < 1e-3


def test_missing_onnxruntime_is_one_line_and_exit_2(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime now raises ImportError
    tool = load_tool("test_tracker", monkeypatch)
    code = run_tool(tool.main, ["--builtin", "--tracker", str(tiny["siamfc"][2]), "--backend", "onnxruntime",
                                "--results", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "onnxruntime" in err and "pip install" in err
    export = load_tool("export_onnx", monkeypatch)
    assert run_tool(export.main, ["--tracker", "siamfc_ien", "--output", str(tmp_path / "x")]) == 2
    assert "pip install onnxruntime" in capsys.readouterr().err


def test_export_refuses_untrained_trackers_unless_asked(tmp_path, monkeypatch, capsys):
    tool = load_tool("export_onnx", monkeypatch)
    assert run_tool(tool.main, ["--tracker", "siamrpnpp", "--output", str(tmp_path / "rpn")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--random-weights" in err
    assert not (tmp_path / "rpn").exists()


def test_threads_need_the_onnxruntime_backend(tmp_path, monkeypatch, capsys):
    tool = load_tool("test_tracker", monkeypatch)
    assert run_tool(tool.main, ["--builtin", "--tracker", "csrt", "--threads", "2", "--results", str(tmp_path)]) == 2
    assert "--backend onnxruntime" in capsys.readouterr().err


def test_export_leaves_the_live_tracker_alone(tmp_path):
    """Export works on an eval-mode deep copy: a live model in training mode stays in training mode, with its
    weights and BatchNorm statistics untouched, while the exported files compute the eval-mode network
    (BatchNorm on running statistics)."""
    import copy

    config = tmp_path / "tiny.yaml"
    config.write_text(TINY["siamfc"])
    tracker = build_from_config(config)
    _randomise_batchnorm(tracker.model)
    tracker.model.train()
    before = {k: v.clone() for k, v in tracker.model.state_dict().items()}
    export_tracker(tracker, tmp_path / "out", {"tracker": "tiny"})
    assert all(m.training for m in tracker.model.modules())
    after = tracker.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    x = np.random.default_rng(0).integers(0, 256, (3, 255, 255, 3), dtype=np.uint8)
    (exported,) = load_onnx_tracker(tmp_path / "out", threads=1).network.run("search", x)
    with torch.no_grad():
        expected = copy.deepcopy(tracker.model).eval().search(images_to_tensor(x)).numpy()
    assert np.abs(exported - expected).max() < 1e-4 * max(1.0, np.abs(expected).max())
