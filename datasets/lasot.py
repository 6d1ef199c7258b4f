"""LaSOT in the official layout, listed lazily: the 280-sequence test split, or every sequence on disk.

Layout: ``<root>/<class>/<class>-<n>/`` holding ``img/00000001.jpg`` .., ``groundtruth.txt`` (``x,y,w,h`` per
frame, comma separated), ``full_occlusion.txt`` and ``out_of_view.txt`` (0/1 per frame, all on one line) and
``nlp.txt`` (a sentence describing the target). The flat layout of the test-set download
(``<root>/<class>-<n>/``) is accepted too.

Sequences are :class:`~datasets.lazy.LazySequence` objects: long videos (thousands of frames each) are only
listed and read when used. ``full_occlusion`` and ``out_of_view`` are kept as flags under those names; they are
not merged into ``absent``, since LaSOT's protocol evaluates every frame (an evaluator that wants visible frames
only combines them itself). ``nlp`` goes to ``Sequence.meta``.

Coordinates: LaSOT's boxes are used as written, as the got10k package and pytracking use them.
"""
import functools
from pathlib import Path

from core.errors import TrackingError
from datasets.coverage import select_present
from datasets.lasot_split import TEST_SPLIT
from datasets.layout import annotated_frames, list_images, require_dir
from datasets.lazy import LazySequence
from datasets.sequence import Sequence
from datasets.textfiles import read_boxes, read_labels, read_text

SPLITS = ("test", "all")
FLAG_FILES = ("full_occlusion", "out_of_view")


def sequence_folder(root, name) -> Path:
    """``root/<class>/<name>`` (official layout) or ``root/<name>`` (flat test-set layout)."""
    nested = Path(root, name.rsplit("-", 1)[0], name)
    return nested if nested.is_dir() or not Path(root, name).is_dir() else Path(root, name)


def sequences_on_disk(root) -> list:
    """Every sequence folder with a ground-truth file under ``root`` (either layout), by class then number."""
    found = {p.parent.name for pattern in ("*/*/groundtruth.txt", "*/groundtruth.txt")
             for p in Path(root).glob(pattern)}
    return sorted(found, key=_class_and_number)


def _class_and_number(name):
    cls, _, number = name.rpartition("-")
    return (cls, int(number)) if number.isdigit() else (name, 0)


def load_lasot_sequence(folder, name) -> Sequence:
    """Read one LaSOT sequence folder (what a LazySequence calls on first use)."""
    folder = require_dir(folder, "LaSOT sequence folder")
    annotation_file = folder / "groundtruth.txt"
    boxes = read_boxes(annotation_file)
    frames = annotated_frames(list_images(folder / "img"), boxes, annotation_file)
    flags = {flag: read_labels(folder / f"{flag}.txt", len(frames), flag).astype(bool)
             for flag in FLAG_FILES if (folder / f"{flag}.txt").is_file()}
    meta = {"nlp": read_text(folder / "nlp.txt").strip()} if (folder / "nlp.txt").is_file() else {}
    return Sequence(name=name, frames=frames, ground_truth=boxes, flags=flags, meta=meta)


def load_lasot(root, split="test", strict=False, sequences=None) -> list:
    """Lazy LaSOT sequences: the official test split (``test``) or all sequences under ``root`` (``all``)."""
    if split not in SPLITS:
        raise TrackingError(f"unknown LaSOT split {split!r}; expected one of {', '.join(SPLITS)}")
    root = require_dir(root, "LaSOT root")
    official = TEST_SPLIT if split == "test" else sequences_on_disk(root)
    if not official:
        raise TrackingError(f"{root}: no LaSOT sequence found; expected <class>/<class>-<n>/groundtruth.txt")
    folders = {name: sequence_folder(root, name) for name in official}
    names = select_present("LaSOT", root, official, lambda n: folders[n].is_dir(), requested=sequences,
                           strict=strict)
    return [LazySequence(name, functools.partial(load_lasot_sequence, folders[name], name)) for name in names]
