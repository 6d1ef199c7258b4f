"""The generic folder dataset: the way users bring their own videos.

Any sequence folders in OTB layout, ``<root>/<name>/img/*.jpg`` (any numbered image names) with
``<root>/<name>/groundtruth_rect.txt`` (comma, tab or space separated ``x,y,w,h``), whatever their names.
None of OTB-2015's per-sequence rules (frame ranges, two-target folders, attribute tables) applies. A
ground-truth file shorter than the image list limits the sequence to its annotated frames; a longer one is an
error. Folders without ``img/`` are ignored; a folder with ``img/`` but no ground truth is an error.

Coordinates: the layout is OTB's, and so is its 1-based convention by default (x and y minus 1 on reading);
``one_based=False`` reads files already written 0-based.
"""
from pathlib import Path

from core.errors import TrackingError
from datasets.coverage import select_present
from datasets.layout import annotated_frames, list_images, one_based_to_zero_based, require_dir
from datasets.sequence import Sequence
from datasets.textfiles import read_boxes

ANNOTATION_FILE = "groundtruth_rect.txt"


def load_folder_sequence(folder, one_based=True) -> Sequence:
    """One OTB-layout sequence folder, named after the folder."""
    folder = Path(folder)
    annotation_file = folder / ANNOTATION_FILE
    boxes = read_boxes(annotation_file)
    frames = annotated_frames(list_images(folder / "img"), boxes, annotation_file)
    return Sequence(name=folder.name, frames=frames,
                    ground_truth=one_based_to_zero_based(boxes) if one_based else boxes)


def load_folder(root, strict=False, sequences=None, one_based=True) -> list:
    """Every sequence folder under ``root`` that has an ``img/`` folder, sorted by name."""
    root = require_dir(root, "sequence root")
    names = sorted((p.name for p in root.iterdir() if (p / "img").is_dir()), key=str.lower)
    if not names:
        raise TrackingError(f"{root}: no sequence folder; expected <name>/img/0001.jpg and "
                            f"<name>/{ANNOTATION_FILE}")
    names = select_present("folder", root, names, lambda n: True, requested=sequences, strict=strict)
    return [load_folder_sequence(root / name, one_based) for name in names]
