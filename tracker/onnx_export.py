"""Export a learned tracker's per-frame networks to ONNX: the parts of tracker/torch_graphs.py, one file each,
with fixed shapes, plus the ``tracker.json`` the onnxruntime backend loads (format: tracker/onnx_network.py).

The export works on an eval-mode deep copy of the model: putting the copy's wrappers in eval mode (BatchNorm on
running statistics) never touches the live tracker, which may be training. The dynamo exporter
(``torch.onnx.export(..., dynamo=True)``) is used (it also handles ``torch.fft``, though the DCF parts are
exported with DFT matrices instead, see tracker/torch_graphs.py). Every file passes ``onnx.checker``, and the
exported parts are run once with onnxruntime on the tracing inputs; the largest difference from the PyTorch graphs
they were exported from (``export=True``) goes into the manifest.
"""
import copy
import json
from pathlib import Path

import numpy as np
import torch

from core.config import to_dict
from core.errors import TrackingError
from tracker.onnx_network import FORMAT, MANIFEST, import_onnxruntime
from tracker.torch_graphs import tracker_graphs

OPSET = 18


def import_onnx():
    try:
        import onnx
    except ImportError:
        raise TrackingError("ONNX export needs the onnx package (pip install onnx onnxscript)") from None
    return onnx


def _io(names, arrays) -> list:
    return [{"name": n, "shape": list(a.shape), "dtype": str(a.dtype)} for n, a in zip(names, arrays)]


def export_tracker(tracker, output, source: dict) -> Path:
    """Write the ONNX parts of ``tracker`` (a torch-backed Siamese or DCF tracker) and ``tracker.json`` into
    ``output``; returns the manifest's path. ``source`` (which tracker, which checkpoint) is recorded in the
    manifest."""
    onnx = import_onnx()
    ort = import_onnxruntime()
    if getattr(tracker, "model", None) is None:
        raise TrackingError(f"{tracker.name}: only trackers with a PyTorch network can be exported")
    model = copy.deepcopy(tracker.model).cpu()
    graphs = tracker_graphs(model, tracker.cfg, f"{tracker.name}: tracker", export=True)
    for module in graphs.parts.values():
        module.eval()  # the copy's BatchNorms on running statistics; the live model keeps its mode
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    parts, parity = {}, {}
    for part, (in_names, inputs, out_names) in graphs.examples().items():
        path = output / f"{part}.onnx"
        program = torch.onnx.export(graphs.parts[part], inputs, dynamo=True, opset_version=OPSET,
                                    input_names=in_names, output_names=out_names, verbose=False)
        program.save(str(path))
        onnx.checker.check_model(str(path), full_check=True)
        with torch.no_grad():
            expected = [t.numpy() for t in graphs.parts[part](*inputs)]
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got = session.run(None, {n: t.numpy() for n, t in zip(in_names, inputs)})
        parity[part] = max(float(np.abs(g - e).max()) for g, e in zip(got, expected))
        parts[part] = {"file": path.name, "inputs": _io(in_names, [t.numpy() for t in inputs]),
                       "outputs": _io(out_names, expected)}
    manifest = {"format": FORMAT, "name": tracker.name, "facts": graphs.facts,
                "tracker": to_dict(tracker.cfg), "parts": parts,
                "source": {**source, "torch": torch.__version__, "opset": OPSET, "parity": parity}}
    path = output / MANIFEST
    path.write_text(json.dumps(manifest, indent=1) + "\n")
    return path
