"""OTB-2013 (51 targets), OTB-2015 / TB-100 and TB-50 in the official layout, with all of OTB's quirks.

Layout: ``<root>/<Folder>/img/0001.jpg`` and ``<root>/<Folder>/groundtruth_rect.txt`` (comma, tab or space
separated). Quirks handled here, from the official toolkit's tables (:mod:`datasets.otb_tables`):

- Two targets in one folder (Jogging, Skating2): ``groundtruth_rect.1.txt`` and ``.2.txt`` become the
  sequences ``Jogging-1`` and ``Jogging-2``; ``jogging_1``, ``Jogging.1`` and other spellings are accepted.
  Human4 is evaluated on its second target only (``Human4-2``; ``Human4`` is an alias).
- Official frame ranges: David is frames 300-770, BlurCar1 247-988, Football1 only 1-74 of its 81 images, and
  so on; frames are picked by the number in their file name, so Board's five-digit names need nothing special.
- Attributes: the 11 OTB codes (IV, SV, OCC, DEF, MB, FM, IPR, OPR, OV, BC, LR) in ``Sequence.attributes``.

Coordinates: OTB's files are 1-based (MATLAB; the top-left pixel is (1, 1)). Inside the project boxes are
0-based, so the loader subtracts 1 from x and y at this boundary (width and height are unchanged). Writing
OTB result files converts back (``eval.results_io``).
"""
import re
from pathlib import Path

from core.errors import TrackingError
from datasets.coverage import select_present
from datasets.layout import annotated_frames, images_in_range, list_images, one_based_to_zero_based, require_dir
from datasets.otb_tables import FRAME_RANGES, MULTI_TARGET_FOLDERS, OTB2013, OTB2015, SEQUENCE_ATTRIBUTES, TB50
from datasets.sequence import Sequence
from datasets.textfiles import read_boxes

VERSIONS = {"OTB2013": OTB2013, "OTB2015": OTB2015, "TB50": TB50}
ALIASES = {"Human4": "Human4-2"}


def target_files(root, name, folders=None):
    """``(sequence folder, ground-truth file)`` of the OTB target ``name`` under ``root``.

    ``folders`` maps lower-cased folder names to folders, so ``jogging`` and ``Jogging`` both work.
    """
    folders = folders if folders is not None else _folders_by_lower_name(root)
    match = re.fullmatch(r"(.+)-(\d)", name)
    if match and match.group(1) in MULTI_TARGET_FOLDERS:
        folder_name, annotation = match.group(1), f"groundtruth_rect.{match.group(2)}.txt"
    else:
        folder_name, annotation = name, "groundtruth_rect.txt"
    folder = folders.get(folder_name.lower(), Path(root, folder_name))
    return folder, folder / annotation


def _folders_by_lower_name(root) -> dict:
    return {p.name.lower(): p for p in Path(root).iterdir() if p.is_dir()}


def load_otb_sequence(folder, annotation_file, name) -> Sequence:
    """One OTB target: its official frame range, 0-based boxes and attribute codes."""
    boxes = read_boxes(annotation_file)
    image_folder = Path(folder) / "img"
    if name in FRAME_RANGES:
        first, last = FRAME_RANGES[name]
        expected = last - first + 1
        if len(boxes) == last and first > 1:
            boxes = boxes[first - 1:]  # an older file annotating from frame 1: keep the official range
        if len(boxes) != expected:
            raise TrackingError(f"{annotation_file}: {len(boxes)} boxes; expected {expected} for {name}'s "
                                f"official frames {first}-{last}")
        frames = images_in_range(image_folder, first, last)
    else:
        frames = annotated_frames(list_images(image_folder), boxes, annotation_file)
    return Sequence(name=name, frames=frames, ground_truth=one_based_to_zero_based(boxes),
                    attributes=SEQUENCE_ATTRIBUTES.get(name, "").split())


def load_otb(root, version="OTB2015", strict=False, sequences=None) -> list:
    """The targets of ``version`` (``OTB2013``, ``OTB2015``, ``TB50``) present under ``root``."""
    if version not in VERSIONS:
        raise TrackingError(f"unknown OTB version {version!r}; expected one of {', '.join(VERSIONS)}")
    root = require_dir(root, f"{version} root")
    folders = _folders_by_lower_name(root)
    files = {name: target_files(root, name, folders) for name in VERSIONS[version]}
    names = select_present(version, root, VERSIONS[version], lambda n: files[n][0].is_dir(),
                           requested=sequences, strict=strict, aliases=ALIASES)
    return [load_otb_sequence(*files[name], name) for name in names]
