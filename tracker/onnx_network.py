"""The onnxruntime backend: a tracker from the folder tools/export_onnx.py writes, run without PyTorch.

The folder holds one ONNX file per part of :mod:`tracker.network` (the parts the kind's tracker class lists in
``required_parts``; a SiamFC example below, a DCF export has ``update``, ``locate`` and maybe ``turn``) and
``tracker.json``::

    {"format": "ientrack-onnx/1", "name": "siamfc_ien",
     "facts": {"kind": "siamfc", "total_stride": 8, "rotation_order": 1},
     "tracker": {...the tracker: section, every key...},
     "parts": {"template": {"file": "template.onnx",
                            "inputs": [{"name": "crops", "shape": [1, 127, 127, 3], "dtype": "uint8"}],
                            "outputs": [{"name": "template_0", "shape": [1, 16, 6, 6], "dtype": "float32"}]},
               "search": {...}, "head": {...}},
     "source": {"tracker": "siamfc_ien", "checkpoint": "...", "torch": "2.14.1", "opset": 18,
                "parity": {"head": 1e-06, ...}}}

Shapes are fixed: the tracker's crop sizes and SiamFC's ``scale_num`` are baked in, which is why the tracker
config travels with the files. Crops enter as BGR uint8 ``(B, H, W, 3)``; the conversion to float is inside the
graphs.
"""
import json
from pathlib import Path

import numpy as np

from core.config import from_dict
from core.errors import TrackingError
from tracker.kinds import TRACKERS_BY_KIND
from tracker.network import Network

MANIFEST = "tracker.json"
FORMAT = "ientrack-onnx/1"


def import_onnxruntime():
    try:
        import onnxruntime
    except ImportError:
        raise TrackingError("--backend onnxruntime needs the onnxruntime package (pip install onnxruntime)") \
            from None
    return onnxruntime


def is_export(path) -> bool:
    """True when ``path`` is a folder written by tools/export_onnx.py."""
    return (Path(path) / MANIFEST).is_file()


def read_manifest(folder) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise TrackingError(f"{folder}: not an ONNX tracker export (no {MANIFEST}; write one with "
                            "tools/export_onnx.py)")
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise TrackingError(f"{path}: not valid JSON: {err}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise TrackingError(f"{path}: expected format {FORMAT!r}, got {manifest.get('format')!r}")
    kind = manifest.get("facts", {}).get("kind")
    if kind not in TRACKERS_BY_KIND:
        raise TrackingError(f"{path}: facts.kind {kind!r} is not one of {', '.join(TRACKERS_BY_KIND)}")
    parts = manifest.get("parts", {})
    required = TRACKERS_BY_KIND[kind].required_parts(manifest["facts"])
    missing = [p for p in required if not (Path(folder) / parts.get(p, {}).get("file", "?")).is_file()]
    if missing:
        raise TrackingError(f"{path}: the ONNX file of part(s) {', '.join(missing)} is missing")
    return manifest


class OnnxNetwork(Network):
    """The parts as onnxruntime CPU sessions, each with ``threads`` intra-op threads (None: onnxruntime's
    default, one per core); NumPy arrays in and out."""

    def __init__(self, folder, manifest: dict, threads=None):
        ort = import_onnxruntime()
        if threads is not None and threads < 1:
            raise TrackingError(f"--threads {threads}: expected 1 or more")
        options = ort.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = int(threads)
        options.inter_op_num_threads = 1  # the parts run one after another
        # Worker threads that spin after their op (onnxruntime's default) take the core the next part's workers
        # need: a frame runs two or three sessions back to back, each with its own pool. Measured on 2 cores
        # (benchmarks/README.md, issue 15): siamfc_ien's network 14.2 ms with 2 spinning threads (slower than 1
        # thread's 12.6 ms), 6.9 ms without spinning.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.facts = dict(manifest["facts"])
        self.sessions, self.inputs = {}, {}
        for part, spec in manifest["parts"].items():
            self.sessions[part] = ort.InferenceSession(str(Path(folder) / spec["file"]), options,
                                                       providers=["CPUExecutionProvider"])
            self.inputs[part] = [i["name"] for i in spec["inputs"]]

    def run(self, part: str, *inputs) -> tuple:
        return tuple(self.sessions[part].run(None, dict(zip(self.inputs[part], inputs))))

    def numpy(self, value) -> np.ndarray:
        return np.asarray(value, dtype=np.float32)


def load_onnx_tracker(folder, threads=None, name=None):
    """The tracker an export folder describes, its network in onnxruntime sessions (no PyTorch involved)."""
    manifest = read_manifest(folder)
    where = f"{Path(folder) / MANIFEST}: tracker"
    cls = TRACKERS_BY_KIND[manifest["facts"]["kind"]]
    cfg = from_dict(cls.Config, manifest.get("tracker"), where)
    return cls(OnnxNetwork(folder, manifest, threads), cfg, name=name or manifest.get("name", Path(folder).name),
               where=where)


BACKENDS = ("torch", "onnxruntime")


def build_with_backend(spec: str, checkpoint=None, device="cpu", backend="onnxruntime", threads=None):
    """A learned tracker whose network runs with onnxruntime: ``spec`` is an export folder (loaded as it is), or a
    registered name or config, exported on the fly to a temporary folder (PyTorch is needed for that, once, but
    never per frame; for repeated runs export once with tools/export_onnx.py). Trackers without a network (the
    OpenCV baselines) have nothing to switch and run as they are."""
    if backend not in BACKENDS:
        raise TrackingError(f"--backend {backend}: expected one of {', '.join(BACKENDS)}")
    import_onnxruntime()
    if device != "cpu":
        raise TrackingError(f"--backend onnxruntime runs on the CPU; drop --device {device}")
    if is_export(spec):
        if checkpoint is not None:
            raise TrackingError(f"{spec}: an ONNX export carries its weights; drop --checkpoint")
        return load_onnx_tracker(spec, threads)
    import tempfile

    from tracker.onnx_export import export_tracker
    from tracker.registry import build_tracker

    tracker = build_tracker(spec, checkpoint=checkpoint)
    if getattr(tracker, "model", None) is None:
        return tracker
    with tempfile.TemporaryDirectory() as folder:
        export_tracker(tracker, folder, {"tracker": spec, "checkpoint": checkpoint})
        return load_onnx_tracker(folder, threads, name=tracker.name)  # sessions hold the graphs in memory
