"""GOT-10k train, val and test splits in the official layout, listed lazily.

Layout: ``<root>/<split>/list.txt`` names the sequence folders (``GOT-10k_Train_000001``, ...); each holds
``00000001.jpg`` .., ``groundtruth.txt`` (``x,y,w,h`` per frame; the test split gives the first frame only),
and, outside the test split, ``absence.label`` (1 where the target is absent), ``cover.label`` (visible
fraction in tenths, 0-8 levels), ``cut_by_image.label`` (1 where the box is cut by the image border) and
``meta_info.ini`` (``url``, ``object_class``, ``motion_class``, ``resolution`` ...). ``root`` may be the
dataset root or the split folder itself.

Listing a split reads ``list.txt`` and one directory listing; each sequence is a
:class:`~datasets.lazy.LazySequence` that reads its files when first used, so enumerating the 10,000-sequence
train split is fast (``benchmarks/bench_got10k_listing.py`` measures it).

Coordinates: GOT-10k's boxes are used as written (0-based, as its toolkit and the got10k package use them).
Test-split frames after the first have no box: their ground-truth rows are NaN (invalid, never a box).
Absent frames are flagged ``absent`` and so are invalid in ``Sequence.valid``.
"""
import configparser
import functools
import os
import re
from pathlib import Path

import numpy as np

from core.errors import TrackingError
from datasets.coverage import select_present
from datasets.layout import annotated_frames, child_of_root, list_images, require_dir
from datasets.lazy import LazySequence
from datasets.sequence import Sequence
from datasets.textfiles import read_boxes, read_labels, read_names, read_text

SPLITS = ("train", "val", "test")
LABELS = {"absence.label": ("absent", bool), "cover.label": ("cover", np.int64),
          "cut_by_image.label": ("cut_by_image", bool)}
"""Label file -> (flag name in ``Sequence.flags``, dtype)."""


def split_folder(root, split) -> Path:
    """The folder holding ``list.txt`` for ``split``: ``root/<split>`` or ``root`` itself."""
    if split not in SPLITS:
        raise TrackingError(f"unknown GOT-10k split {split!r}; expected one of {', '.join(SPLITS)}")
    root = require_dir(root, f"GOT-10k {split} root")
    if (root / split / "list.txt").is_file():
        return root / split
    if (root / "list.txt").is_file():
        return root
    raise TrackingError(f"{root}: no GOT-10k list file; expected {root / split / 'list.txt'} or {root / 'list.txt'}")


def read_meta_info(path) -> dict:
    """``meta_info.ini`` as a dict of strings, with ``resolution`` parsed to ``(width, height)`` ints."""
    parser = configparser.RawConfigParser(delimiters=(":",))
    try:
        parser.read_string(read_text(path), source=str(path))
    except configparser.Error as exc:
        raise TrackingError(f"{path}: not a GOT-10k meta_info.ini ({exc.message.splitlines()[0]})") from None
    meta = {key: value for section in parser.sections() for key, value in parser.items(section)}
    if "resolution" in meta:
        numbers = re.findall(r"\d+", meta["resolution"])
        if len(numbers) != 2:
            raise TrackingError(f"{path}: resolution {meta['resolution']!r}; expected (width, height)")
        meta["resolution"] = (int(numbers[0]), int(numbers[1]))
    return meta


def load_got10k_sequence(folder, name, split) -> Sequence:
    """Read one GOT-10k sequence folder (what a LazySequence calls on first use)."""
    folder = require_dir(folder, f"GOT-10k {split} sequence folder")
    annotation_file = folder / "groundtruth.txt"
    boxes = read_boxes(annotation_file)
    images = list_images(folder)
    if split == "test" and len(boxes) == 1:
        frames = images
        boxes = np.vstack([boxes, np.full((len(images) - 1, 4), np.nan)])
    else:
        frames = annotated_frames(images, boxes, annotation_file)
    flags = {flag: read_labels(folder / file, len(frames), file).astype(dtype)
             for file, (flag, dtype) in LABELS.items() if (folder / file).is_file()}
    meta = read_meta_info(folder / "meta_info.ini") if (folder / "meta_info.ini").is_file() else {}
    return Sequence(name=name, frames=frames, ground_truth=boxes, flags=flags, meta=meta,
                    _image_size=meta.get("resolution"))


def load_got10k(root, split="val", strict=False, sequences=None) -> list:
    """Lazy sequences of a GOT-10k split: reads ``list.txt`` and one folder listing, no annotation file."""
    folder = split_folder(root, split)
    list_file = folder / "list.txt"
    entries = {name: child_of_root(folder, name, list_file, line) for line, name in read_names(list_file)}
    listing = set(os.listdir(folder))

    def is_present(name):
        path = entries[name]
        return path.name in listing if path.parent == folder else path.is_dir()

    names = select_present(f"GOT10k-{split}", folder, list(entries), is_present, requested=sequences,
                           strict=strict)
    return [LazySequence(name, functools.partial(load_got10k_sequence, entries[name], name, split))
            for name in names]
