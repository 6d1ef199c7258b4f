"""VOT 2013-2019 short-term datasets in the official layout.

Layout: ``<root>/list.txt`` names the sequence folders, one per line (entries that leave the root, by ``..``
or an absolute path, are refused). Each folder holds its images either in ``color/`` (VOT2014 and later) or
directly (VOT2013-era), ``groundtruth.txt`` with one region per frame, either a 4-value rectangle
``x,y,w,h`` or an 8-value polygon ``x1,y1,...,x4,y4``, and per-frame tag files (``occlusion.tag``,
``camera_motion.label``, ...) that may stop before the last frame and are padded with zeros.

Coordinates: VOT regions are kept exactly as written. The VOT toolkit and pysot-toolkit compute overlaps on
these values directly, treating them as continuous image coordinates whose origin is the top-left corner of
the first pixel, which is this project's 0-based convention, so no shift applies (unlike OTB's 1-based files).
Sequences whose file holds only rectangles keep ``(N, 4)`` boxes; polygons, or a mix of both (a mix is
converted to polygons), give ``(N, 8)``.
"""
from pathlib import Path

import numpy as np

from core.boxes import box_to_polygon
from core.errors import TrackingError
from datasets.coverage import select_present
from datasets.layout import annotated_frames, child_of_root, list_images, require_dir
from datasets.sequence import Sequence
from datasets.textfiles import read_labels, read_names, read_rows

VERSIONS = tuple(f"VOT{year}" for year in range(2013, 2020))
TAG_SUFFIXES = (".tag", ".label")


def read_regions(path) -> np.ndarray:
    """``(N, 4)`` rectangles or ``(N, 8)`` polygons from a VOT ``groundtruth.txt``."""
    rows = read_rows(path, widths=(4, 8), what="x,y,w,h or x1,y1,...,x4,y4")
    if not rows:
        raise TrackingError(f"{path}: no regions; expected one region per frame")
    if all(len(r) == 4 for r in rows):
        return np.stack(rows)
    return np.stack([box_to_polygon(r)[0] if len(r) == 4 else r for r in rows])


def load_vot_sequence(folder, name=None) -> Sequence:
    """One VOT sequence folder: images in ``color/`` or in the folder itself, regions and tags."""
    folder = require_dir(folder, "VOT sequence folder")
    image_folder = folder / "color" if (folder / "color").is_dir() else folder
    annotation_file = folder / "groundtruth.txt"
    regions = read_regions(annotation_file)
    frames = annotated_frames(list_images(image_folder), regions, annotation_file)
    tags = {path.stem: read_labels(path, len(frames), "tag").astype(bool)
            for path in sorted(folder.iterdir()) if path.suffix in TAG_SUFFIXES}
    return Sequence(name=name or folder.name, frames=frames, ground_truth=regions, tags=tags)


def load_vot(root, version="VOT2018", strict=False, sequences=None) -> list:
    """The sequences of ``root/list.txt`` present under ``root`` (``version`` only labels messages)."""
    root = require_dir(root, f"{version} root")
    list_file = Path(root) / "list.txt"
    folders = {name: child_of_root(root, name, list_file, line) for line, name in read_names(list_file)}
    names = select_present(version, root, list(folders), lambda n: folders[n].is_dir(),
                           requested=sequences, strict=strict)
    return [load_vot_sequence(folders[name], name) for name in names]
