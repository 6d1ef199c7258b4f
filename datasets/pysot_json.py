"""pysot-toolkit style JSON annotations (``OTB100.json``, ``UAV123.json``, ``VOT2018.json``, ...) as Sequences.

One JSON object per sequence: ``video_dir``, ``init_rect``, ``img_names`` (relative to the dataset root),
``gt_rect`` (one box or polygon per frame) and ``attr``. Everything needed to evaluate results is in the file,
so no image is read: frames are paths that need not exist until a tracker decodes them.

Coordinates: the JSON copies each benchmark's own files, so it keeps their convention. OTB's are 1-based and
are shifted to 0-based exactly as :mod:`datasets.otb` does, so a JSON and the OTB layout give the same
Sequences; other benchmarks' values are kept as written. By default the JSON's file name decides (``OTB*`` and
``TB*`` are OTB); ``one_based`` overrides it. OTB attribute names are stored as the 11 OTB codes.
"""
import json
from pathlib import Path

import numpy as np

from core.boxes import box_to_polygon
from core.errors import TrackingError
from datasets.layout import one_based_to_zero_based
from datasets.otb_tables import ATTRIBUTES
from datasets.sequence import Sequence
from datasets.textfiles import read_text

_CODE_OF_NAME = {name: code for code, name in ATTRIBUTES.items()}
_REQUIRED_KEYS = ("img_names", "gt_rect")


def _attribute_order(code):
    """OTB codes in the toolkit's order (as :mod:`datasets.otb` lists them), unknown names after them."""
    codes = list(ATTRIBUTES)
    return (codes.index(code), "") if code in ATTRIBUTES else (len(codes), code)


def _is_otb_json(json_path) -> bool:
    return Path(json_path).stem.upper().startswith(("OTB", "TB"))


def _ground_truth(json_path, name, rows, one_based) -> np.ndarray:
    """``(N, 4)`` boxes or ``(N, 8)`` polygons; VOT JSONs mixing rectangles and polygons become polygons."""
    widths = {len(r) if isinstance(r, (list, tuple)) else -1 for r in rows}
    if not widths or not widths <= {4, 8}:
        raise TrackingError(f"{json_path}: sequence {name!r}: gt_rect must hold rows of 4 (x,y,w,h) or 8 "
                            f"(polygon) numbers; found row lengths {sorted(widths)}")
    try:
        gt = [np.array([np.nan if v is None else v for v in r], dtype=np.float64) for r in rows]
    except (TypeError, ValueError):
        raise TrackingError(f"{json_path}: sequence {name!r}: gt_rect holds a non-numeric value") from None
    if widths == {4, 8}:
        gt = [box_to_polygon(r)[0] if len(r) == 4 else r for r in gt]
    gt = np.stack(gt)
    if one_based:
        if gt.shape[1] != 4:
            raise TrackingError(f"{json_path}: sequence {name!r}: 1-based conversion expects x,y,w,h boxes")
        gt = one_based_to_zero_based(gt)
    return gt


def load_pysot_json(json_path, root=None, one_based=None) -> list:
    """Sequences from a pysot-toolkit JSON; frames are ``root / img_name`` (``root`` defaults to the JSON's
    folder, pysot's convention)."""
    json_path = Path(json_path)
    try:
        entries = json.loads(read_text(json_path))
    except json.JSONDecodeError as exc:
        raise TrackingError(f"{json_path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(entries, dict):
        raise TrackingError(f"{json_path}: expected a JSON object mapping sequence names to annotations")
    root = Path(root) if root is not None else json_path.parent
    one_based = _is_otb_json(json_path) if one_based is None else one_based
    sequences = []
    for name, entry in entries.items():
        missing = [k for k in _REQUIRED_KEYS if not isinstance(entry, dict) or k not in entry]
        if missing:
            raise TrackingError(f"{json_path}: sequence {name!r} lacks {', '.join(missing)}; expected "
                                f"{', '.join(_REQUIRED_KEYS)}")
        frames, rows = entry["img_names"], entry["gt_rect"]
        if len(rows) != len(frames):
            raise TrackingError(f"{json_path}: sequence {name!r} has {len(rows)} gt_rect rows for "
                                f"{len(frames)} img_names; expected one per frame")
        attributes = sorted((_CODE_OF_NAME.get(a, a) for a in entry.get("attr", [])), key=_attribute_order)
        sequences.append(Sequence(name=name, frames=[root / f for f in frames],
                                  ground_truth=_ground_truth(json_path, name, rows, one_based),
                                  attributes=attributes))
    return sequences
