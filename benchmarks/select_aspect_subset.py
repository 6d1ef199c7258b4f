"""Choose the validation sequences where the target's aspect ratio changes most, from the ground truth alone.

Why: issue 16 asks whether SiamRPN's box regression beats SiamFC's scale search (which keeps the first frame's
aspect ratio) where the aspect changes. The subset must be fixed before any tracker's result is looked at, so this
script reads nothing but the annotations of the validation split (benchmarks/ien_common.VALIDATION_SPLIT) and
writes the chosen names to a JSON file that the accuracy runs then read.

Measure: for every frame with a valid box, ``d_t = |log(a_t / a_0)|`` with ``a = w / h`` of the axis-aligned
ground-truth box (the box that is scored; VOT polygons give their bounding boxes) and ``a_0`` the first frame's
(the aspect a tracker starts from). A sequence's aspect change is the 95th percentile of ``d_t`` over its frames:
how far the aspect strays from the initial one for the last 5% of the video, which a single mis-annotated frame
cannot set (the maximum is printed beside it, with the spread of ``log a`` as a second view). ``log 2 = 0.69``
means the box is twice as wide, or twice as tall, relative to its height or width as at the start.

    python benchmarks/select_aspect_subset.py [--top 4] [--output benchmarks/aspect_subset.json]
"""
import argparse
import json
from pathlib import Path

import numpy as np

import ien_common

DEFAULT_OUTPUT = ien_common.REPO / "benchmarks" / "aspect_subset.json"
PERCENTILE = 95


def aspect_change(boxes, valid) -> dict:
    """``p95``, ``max`` of ``|log(a_t / a_0)|`` and ``spread`` (standard deviation of ``log a``) over the valid
    frames of ``(N, 4)`` boxes, ``a_0`` taken at the first valid frame (see the module docstring)."""
    boxes = np.asarray(boxes, dtype=np.float64)[np.asarray(valid, dtype=bool)]
    log_aspect = np.log(boxes[:, 2] / boxes[:, 3])
    change = np.abs(log_aspect - log_aspect[0])
    return {"p95": float(np.percentile(change, PERCENTILE)), "max": float(change.max()),
            "spread": float(log_aspect.std()), "frames": int(len(boxes))}


def rank(sequences) -> dict:
    """``{name: aspect_change(...)}`` ordered by ``p95``, largest first."""
    rows = {seq.name: aspect_change(seq.boxes, seq.valid) for seq in sequences}
    return dict(sorted(rows.items(), key=lambda item: -item[1]["p95"]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=4, help="how many sequences to choose (default 4)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"JSON file (default {DEFAULT_OUTPUT})")
    parser.add_argument("--data", type=Path, default=ien_common.DATA, help="the shared data folder")
    args = parser.parse_args(argv)
    if args.top < 1:
        parser.error("--top must be >= 1")
    rows = rank(ien_common.validation_sequences(args.data))
    chosen = list(rows)[:args.top]
    columns = (("p95", f"p{PERCENTILE} |dlog a|", ".3f"), ("max", "max |dlog a|", ".3f"),
               ("spread", "std log a", ".3f"), ("frames", "frames", "d"))
    print(ien_common.table(rows, columns, first="sequence"))
    print(f"chosen (top {args.top} by p{PERCENTILE} |log(a_t / a_0)|, ground truth only): {', '.join(chosen)}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({
        "measure": f"p{PERCENTILE} over valid frames of |log(a_t / a_0)|, a = w / h of the axis-aligned "
                   "ground-truth box, a_0 the first frame's (benchmarks/select_aspect_subset.py)",
        "sequences": chosen,
        "table": rows}, indent=1) + "\n")
    print(f"written: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
