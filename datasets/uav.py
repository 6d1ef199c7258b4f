"""UAV123 and UAV20L in the official layout, listed lazily.

Layout: ``<root>/data_seq/UAV123/<folder>/000001.jpg`` .. (one folder per recording, shared by both
benchmarks) and ``<root>/anno/UAV123/<name>.txt`` or ``<root>/anno/UAV20L/<name>.txt`` (``x,y,w,h`` per
frame, comma separated). UAV123 cuts some recordings into sub-sequences (``car16_1``, ``car16_2``, ...) by the
official frame ranges of :mod:`datasets.uav_tables`; each annotation file covers exactly its range.

A row of NaN marks a frame where the target is absent: it stays NaN (invalid in ``Sequence.valid``) and is
flagged ``absent``. Coordinates are used as written, as the got10k package and pysot-toolkit use them.
"""
import functools
from pathlib import Path

import numpy as np

from core.errors import TrackingError
from datasets.coverage import select_present
from datasets.layout import images_in_range, require_dir
from datasets.lazy import LazySequence
from datasets.sequence import Sequence
from datasets.textfiles import read_boxes
from datasets.uav_tables import UAV20L, UAV123

VERSIONS = {"UAV123": UAV123, "UAV20L": UAV20L}


def load_uav_sequence(image_folder, annotation_file, name, first, last) -> Sequence:
    """One UAV sequence: frames ``first`` .. ``last`` of ``image_folder`` and one box (or NaN row) each."""
    boxes = read_boxes(annotation_file)
    expected = last - first + 1
    if len(boxes) != expected:
        raise TrackingError(f"{annotation_file}: {len(boxes)} boxes; expected {expected} for {name}'s official "
                            f"frames {first}-{last}")
    frames = images_in_range(image_folder, first, last)
    absent = np.isnan(boxes).any(axis=1)
    return Sequence(name=name, frames=frames, ground_truth=boxes, flags={"absent": absent})


def load_uav(root, version="UAV123", strict=False, sequences=None) -> list:
    """Lazy sequences of ``version`` (``UAV123`` or ``UAV20L``) whose image folders are under ``root``."""
    if version not in VERSIONS:
        raise TrackingError(f"unknown UAV benchmark {version!r}; expected one of {', '.join(VERSIONS)}")
    root = require_dir(root, f"{version} root")
    table = VERSIONS[version]
    images = Path(root, "data_seq", "UAV123")
    names = select_present(version, root, list(table), lambda n: (images / table[n][0]).is_dir(),
                           requested=sequences, strict=strict)
    return [LazySequence(name, functools.partial(
        load_uav_sequence, images / table[name][0], Path(root, "anno", version, f"{name}.txt"), name,
        table[name][1], table[name][2])) for name in names]
