"""The DCF tracker on both backends (issue 15): its exported parts (the FFT solve and responses inside) pass
onnx.checker with the documented fixed shapes, give PyTorch's numbers on random crops and on real frames, a
DCF export tracks with PyTorch blocked and reports the torch tracker's boxes, --backend onnxruntime works for a
DCF config through tools/test_tracker.py, and a missing part is named."""
import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from core.cli import run_tool
from core.config import load_yaml
from core.errors import TrackingError
from models.weights import save_weights
from tests.moving_patch import turning_patch_frames
from tests.test_dcf import TINY_DCF
from tests.test_onnx_backend import _builtin_boxes, _otb, track_without_torch
from tests.tool_modules import load_tool
from tracker.builder import build_from_config, build_from_dict
from tracker.onnx_export import export_tracker
from tracker.onnx_network import MANIFEST, load_onnx_tracker, read_manifest

REPO = Path(__file__).resolve().parents[1]
#: rotation search both ways: ``features`` exports the turn part, ``reencode`` 3 online models and no turn part
METHODS = ("features", "reencode")


def _config_text(method: str) -> str:
    return json.dumps({"model": TINY_DCF, "tracker": {"rotation": {"enabled": True, "method": method, "order": 4,
                                                                   "window": 1}}})


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Per rotation method: a tiny DCF config, its seeded random weights, and its export by tools/export_onnx.py."""
    root = tmp_path_factory.mktemp("tiny_dcf")
    made = {}
    mp = pytest.MonkeyPatch()
    tool = load_tool("export_onnx", mp)
    for method in METHODS:
        config, weights, folder = root / f"{method}.yaml", root / f"{method}.safetensors", root / f"{method}_onnx"
        config.write_text(_config_text(method))  # JSON is YAML
        torch.manual_seed(0)
        tracker = build_from_config(config)
        save_weights(tracker.model, weights, {"model": TINY_DCF})
        code = run_tool(tool.main, ["--tracker", str(config), "--checkpoint", str(weights), "--output", str(folder)])
        assert code == 0
        made[method] = (config, weights, folder)
    mp.undo()
    return made


def test_export_writes_checked_files_with_the_documented_fixed_shapes(tiny):
    import onnxruntime as ort

    for method, parts in (("features", ["update", "turn", "locate"]), ("reencode", ["update", "locate"])):
        folder = tiny[method][2]
        manifest = json.loads((folder / MANIFEST).read_text())
        assert manifest["facts"] == {"kind": "dcf", "total_stride": 1, "crop_size": 31, "rotation_order": 4,
                                     "turns": [0, -1, 1], "turned_by": method}
        spec = manifest["parts"]
        assert list(spec) == parts
        models = 1 if method == "features" else 3  # reencode: one online model per tried turn
        # the online models as spectra (31 x 16 bins), real and imaginary parts
        assert [(o["name"], o["shape"]) for o in spec["update"]["outputs"]] == [
            ("template_re", [models, 8, 31, 16]), ("template_im", [models, 8, 31, 16]),
            ("filters_re", [models, 1, 31, 16]), ("filters_im", [models, 1, 31, 16])]
        # the search crops go in with the (turned) online models, the responses come out: no features between
        assert [(i["name"], i["shape"]) for i in spec["locate"]["inputs"]] == [
            ("crops", [3, 31, 31, 3]), ("template_re", [3, 8, 31, 16]), ("template_im", [3, 8, 31, 16]),
            ("filters_re", [3, 1, 31, 16]), ("filters_im", [3, 1, 31, 16])]
        assert spec["locate"]["outputs"] == [{"name": "response", "shape": [3, 3, 31, 31], "dtype": "float32"}]
        ops = [n.op_type for n in onnx.load(str(folder / "locate.onnx")).graph.node]
        # the transforms are products with DFT matrices (models/dft.py), not onnxruntime's slow float32 DFT: 6
        # for the forward transform of the search features, 6 per inverse of each of the 3 turns' products, and
        # none for the online models, which come in as spectra
        assert "DFT" not in ops and ops.count("MatMul") == 6 + 6 * 3
        assert "Conv" in ops  # the backbone on the search crops is in the same graph
        if method == "features":
            # quarter turns act on the spectra (models/spectral_turn.py): bins gathered and multiplied by a
            # phase, no transform back to maps and forward again (before: 12 MatMul to go back, 12 per turn)
            ops = [n.op_type for n in onnx.load(str(folder / "turn.onnx")).graph.node]
            assert "MatMul" not in ops and "DFT" not in ops and ops.count("Gather") == 4 * 2
        for part, s in spec.items():
            path = folder / s["file"]
            onnx.checker.check_model(str(path), full_check=True)
            session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            assert [(i.name, i.shape) for i in session.get_inputs()] == [(i["name"], i["shape"]) for i in s["inputs"]]
            assert [(o.name, o.shape) for o in session.get_outputs()] == [(o["name"], o["shape"]) for o in s["outputs"]]


def _relative(torch_net, a, b) -> float:
    return max(float(np.abs(torch_net.numpy(u) - v).max() / max(1e-3, np.abs(v).max())) for u, v in zip(a, b))


def _parts_agree(torch_tracker, onnx_tracker, search_crops, update_crops) -> dict:
    """Largest difference of every part's outputs relative to their scale, each backend fed its own outputs
    (as the tracker chains them); the responses also fed the same (PyTorch's) online model."""
    tn, on = torch_tracker.network, onnx_tracker.network
    out = {}
    mt, mo = tn.run("update", update_crops), on.run("update", update_crops)
    out["update"] = _relative(tn, mt, mo)
    if "turn" in torch_tracker.required_parts(tn.facts):
        mt, mo = tn.run("turn", *(v[:1] for v in mt)), on.run("turn", *(v[:1] for v in mo))
        out["turn"] = _relative(tn, mt, mo)
    rt, ro = tn.run("locate", search_crops, *mt), on.run("locate", search_crops, *mo)
    same = on.run("locate", search_crops, *(tn.numpy(v) for v in mt))
    out["locate"], out["locate, same model"] = _relative(tn, rt, ro), _relative(tn, rt, same)
    assert np.ptp(tn.numpy(rt[0])) > 0.05  # a real response, not a flat map
    return out


@pytest.mark.parametrize("method", METHODS)
def test_both_backends_agree_on_random_crops(tiny, method):
    config, weights, folder = tiny[method]
    torch_tracker = build_from_config(config, checkpoint=weights)
    onnx_tracker = load_onnx_tracker(folder, threads=1)
    rng = np.random.default_rng(3)
    search = rng.integers(0, 256, (3, 31, 31, 3), dtype=np.uint8)
    update = rng.integers(0, 256, (len(torch_tracker.update_turns), 31, 31, 3), dtype=np.uint8)
    errors = _parts_agree(torch_tracker, onnx_tracker, search, update)
    assert len(errors) == (4 if method == "features" else 3)
    assert max(errors.values()) < 1e-4, errors


@pytest.mark.parametrize("method", METHODS)
def test_tiny_trackers_report_the_same_boxes_on_both_backends(tiny, method):
    """A textured square turning 90 degrees per frame on a random canvas: both backends follow the same angles
    and boxes."""
    config, weights, folder = tiny[method]
    frames, _ = turning_patch_frames(drift=1)
    runs = []
    for tracker in (build_from_config(config, checkpoint=weights), load_onnx_tracker(folder, threads=1)):
        boxes, _, _ = tracker.track(frames, (50.0, 50.0, 21.0, 21.0))
        runs.append((boxes, tracker.state.angle))
    (boxes_t, angle_t), (boxes_o, angle_o) = runs
    assert angle_t == angle_o == 270.0
    assert np.abs(boxes_t - boxes_o).max() < 1e-3


def _real_size_tracker():
    """configs/dcf_ien.yaml (95 px crops, 2 x 32 channels) with seeded random weights and rotation search by
    features on: every part, the turn included, at the tracked size."""
    data = load_yaml(REPO / "configs" / "dcf_ien.yaml")
    data["tracker"]["rotation"]["enabled"] = True
    torch.manual_seed(0)
    return build_from_dict({"model": data["model"], "tracker": data["tracker"]}, "dcf_ien (random weights)",
                           name="dcf_ien_random")


@pytest.fixture(scope="module")
def real_size_export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dcf_ien_onnx")
    export_tracker(_real_size_tracker(), folder, {"tracker": "configs/dcf_ien.yaml", "checkpoint": None})
    return folder


def test_response_maps_agree_on_real_frames(shared_data, real_size_export):
    """Real crops of OTB Crossing (the online model from frame 1, the search at 3 scales on frames 5 and 20)
    through both backends: every part within 1e-4, and the two trackers report the same boxes on 21 frames."""
    frames, box = _otb(shared_data, "Crossing", 21)
    torch_tracker, onnx_tracker = _real_size_tracker(), load_onnx_tracker(real_size_export, threads=1)
    torch_tracker.init(frames[0], box)
    for i in (5, 20):
        t = torch_tracker
        search = t._crops(frames[i], [t._matrix(t.center, t.base_side * f, 0.0) for f in t.scales.factors])
        update = t._crops(frames[i], [t._matrix(t.center, t.base_side, 0.0)])
        errors = _parts_agree(torch_tracker, onnx_tracker, search, update)
        assert max(errors.values()) < 1e-4, (i, errors)
    boxes_t, _, _ = _real_size_tracker().track(frames, box)
    boxes_o, _, _ = onnx_tracker.track(frames, box)
    assert np.abs(boxes_t - boxes_o).max() < 1e-3


def test_dcf_export_tracks_with_pytorch_blocked(shared_data, real_size_export):
    """A fresh interpreter where ``import torch`` fails builds the DCF tracker from the export and tracks 8 real
    frames (rotation search by the exported turn part); its boxes are the PyTorch tracker's."""
    frames, box = _otb(shared_data, "Crossing", 8)
    boxes_o = track_without_torch(real_size_export, shared_data / "OTB" / "Crossing", box, len(frames))
    boxes_t, _, _ = _real_size_tracker().track(frames, box)
    assert boxes_o.shape == (8, 4)
    assert np.abs(boxes_t - boxes_o).max() < 1e-3


def test_backend_switch_through_test_tracker(tiny, tmp_path, monkeypatch):
    """A DCF config and weights with --backend onnxruntime (exported on the fly) and with PyTorch, on 6 synthetic
    frames: the same boxes."""
    config, weights, _ = tiny["reencode"]
    tool = load_tool("test_tracker", monkeypatch)
    common = ["--builtin", "--builtin-sequences", "1", "--builtin-frames", "6", "--no-progress",
              "--tracker", str(config), "--checkpoint", str(weights)]
    assert run_tool(tool.main, common + ["--backend", "onnxruntime", "--threads", "1",
                                         "--results", str(tmp_path / "ort")]) == 0
    assert run_tool(tool.main, common + ["--results", str(tmp_path / "torch")]) == 0
    ort_boxes, torch_boxes = _builtin_boxes(tmp_path / "ort"), _builtin_boxes(tmp_path / "torch")
    assert ort_boxes.shape == (6, 4) and np.isfinite(ort_boxes).all()
    assert np.abs(ort_boxes - torch_boxes).max() < 1e-3


def test_missing_parts_are_checked_per_kind(tiny, tmp_path):
    """A DCF export needs its own parts (not the Siamese template/head): the turn part where the tracker turns
    features, and only there."""
    for method in METHODS:
        assert read_manifest(tiny[method][2])["facts"]["turned_by"] == method  # no template.onnx, still complete
    broken = tmp_path / "broken"
    shutil.copytree(tiny["features"][2], broken)
    (broken / "turn.onnx").unlink()
    with pytest.raises(TrackingError, match=r"part\(s\) turn is missing"):
        read_manifest(broken)


@pytest.mark.parametrize("size", [9, 95])
def test_matrix_dft_gives_torch_fft_spectra_and_inverts_them(size):
    from models.dft import MatrixDFT, TorchFFT

    x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(size))
    exact = TorchFFT().rfft2(x.double())
    got = MatrixDFT(size).rfft2(x)
    scale = float(exact.abs().max())
    assert float((got.real - exact.real).abs().max()) < 1e-5 * scale
    assert float((got.imag - exact.imag).abs().max()) < 1e-5 * scale
    assert float((MatrixDFT(size).irfft2(got) - x).abs().max()) < 1e-5 * float(x.abs().max())
