"""Export a learned tracker's per-frame networks to ONNX for the onnxruntime backend.

    python tools/export_onnx.py --tracker siamfc_ien --output exports/siamfc_ien
    python tools/export_onnx.py --tracker configs/x.yaml --checkpoint w.safetensors --output exports/x
    python tools/test_tracker.py --builtin --tracker exports/siamfc_ien --backend onnxruntime --threads 2

Writes one file per part the tracker calls (Siamese: ``template``, ``search``, ``head``, see tracker/network.py;
DCF: ``update``, ``locate`` and, for rotation search by features, ``turn``, see tracker/dcf.py): uint8
BGR crops in, features and scores out, fixed shapes) and ``tracker.json`` (the
tracker config they were exported for, the network facts and every input/output name, shape and dtype; format:
tracker/onnx_network.py). Every file passes ``onnx.checker``; the largest difference between onnxruntime and
PyTorch on the tracing inputs is printed. A tracker without trained weights (no --checkpoint, no shipped
weights) is refused unless --random-weights says that is intended. Exit codes: 0 done, 2 bad input.
"""
import argparse
import json
import sys
from pathlib import Path

import _bootstrap  # noqa: F401

from core.cli import run_tool
from core.errors import TrackingError


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tracker", required=True, help="registered tracker name or a .yaml config")
    p.add_argument("--checkpoint", help="model weights (overrides a name's shipped weights)")
    p.add_argument("--output", required=True, type=Path, help="folder for the ONNX files and tracker.json")
    p.add_argument("--random-weights", action="store_true",
                   help="export a tracker that has no trained weights (randomly initialised)")
    return p.parse_args(argv)


def _shapes(items) -> str:
    return ", ".join(f"{i['name']} {tuple(i['shape'])}" for i in items)


def main(argv=None) -> int:
    args = parse_args(argv)
    from tracker.onnx_export import export_tracker, import_onnx
    from tracker.onnx_network import import_onnxruntime
    from tracker.registry import build_tracker, require_trained

    import_onnx()
    import_onnxruntime()
    random_weights = require_trained(args.tracker, args.checkpoint, args.random_weights)
    if random_weights:
        print(f"warning: {args.tracker} is exported with random weights", file=sys.stderr)
    if (args.output / "tracker.json").exists():
        print(f"note: replacing the export in {args.output}", file=sys.stderr)
    tracker = build_tracker(args.tracker, checkpoint=args.checkpoint)
    if getattr(tracker, "model", None) is None:
        raise TrackingError(f"--tracker {args.tracker} has no network to export")
    manifest = export_tracker(tracker, args.output, {"tracker": args.tracker, "checkpoint": args.checkpoint,
                                                    "random_weights": random_weights})
    info = json.loads(manifest.read_text())
    for part, spec in info["parts"].items():
        print(f"{part}: {_shapes(spec['inputs'])} -> {_shapes(spec['outputs'])}  "
              f"(max |onnxruntime - torch| {info['source']['parity'][part]:.1e})")
    print(f"exported {tracker.name} to {args.output} (checked with onnx.checker); run it with "
          f"--tracker {args.output} --backend onnxruntime")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
