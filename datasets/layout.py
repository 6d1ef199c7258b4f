"""Finding things on disk the way every benchmark layout needs: roots, sequence folders, numbered images.

Listing a folder reads no image: frames are paths, decoded later by :class:`datasets.sequence.Sequence`.
Images are ordered by the number in their file name, so ``0001.jpg`` .. ``0999.jpg`` and Board's
``00001.jpg`` .. ``00698.jpg`` work alike, and an official frame range can pick frames by number.
"""
import re
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np

from core.errors import TrackingError, where

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")
_LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")


def require_dir(path, what="folder") -> Path:
    """``path`` as a Path if it is a directory; otherwise a :class:`TrackingError` saying what was expected."""
    path = Path(path)
    if not path.is_dir():
        state = "is not a folder" if path.exists() else "does not exist"
        raise TrackingError(f"{path}: {what} {state}")
    return path


def child_of_root(root, entry, list_file, line) -> Path:
    """The folder ``root/entry`` for an entry of a list file, refusing entries that leave the root.

    A list file names sequence folders inside its benchmark; an absolute path or ``..`` would make a loader
    read (and a writer later write) outside it, so such entries are errors rather than followed.
    """
    relative = PurePosixPath(entry.replace("\\", "/"))
    if relative.is_absolute() or PureWindowsPath(entry).drive or ".." in relative.parts or not relative.parts:
        raise TrackingError(
            f"{where(list_file, line)}: entry {entry!r} escapes the dataset root; expected a sequence folder "
            f"name relative to {Path(root)}")
    return Path(root, *relative.parts)


def numbered_images(folder) -> dict:
    """``{frame number: path}`` of the images in ``folder`` (the last digit run of each name is its number)."""
    folder = require_dir(folder, "image folder")
    images = {}
    for path in folder.iterdir():
        if path.suffix.lower() not in IMAGE_EXTENSIONS:
            continue
        match = _LAST_NUMBER.search(path.stem)
        if match is None:
            raise TrackingError(f"{path}: image name has no frame number; expected numbered frames such as 0001.jpg")
        number = int(match.group(1))
        if number in images:
            raise TrackingError(f"{folder}: two images for frame {number} ({images[number].name}, {path.name})")
        images[number] = path
    if not images:
        raise TrackingError(f"{folder}: empty image folder; expected frames such as 0001.jpg "
                            f"({', '.join(IMAGE_EXTENSIONS)})")
    return images


def list_images(folder) -> list:
    """The images of ``folder`` in frame-number order."""
    images = numbered_images(folder)
    return [images[n] for n in sorted(images)]


def images_in_range(folder, first, last) -> list:
    """The images numbered ``first`` .. ``last`` (inclusive) of ``folder``; a missing one is an error."""
    images = numbered_images(folder)
    missing = [n for n in range(first, last + 1) if n not in images]
    if missing:
        raise TrackingError(f"{folder}: frames {first}-{last} expected, but frame {missing[0]} is missing "
                            f"({len(missing)} missing in all)")
    return [images[n] for n in range(first, last + 1)]


def annotated_frames(frames, boxes, annotation_file) -> list:
    """The frames the ground truth covers: all of them, or the first ``len(boxes)`` when the file stops early.

    Ground truth that stops before the images do is how OTB marks its shorter evaluation ranges (Football1,
    Diving, ...). More boxes than images can only be a wrong file, so it is an error.
    """
    if len(boxes) > len(frames):
        folder = Path(frames[0]).parent if frames else "the image folder"
        raise TrackingError(f"{annotation_file}: {len(boxes)} boxes for {len(frames)} images in {folder}; "
                            f"expected at most one box per image")
    return list(frames[: len(boxes)])


def one_based_to_zero_based(boxes) -> np.ndarray:
    """Shift 1-based ``x, y, w, h`` boxes (MATLAB-era files, whose top-left pixel is (1, 1)) to 0-based."""
    boxes = np.array(boxes, dtype=np.float64)
    boxes[:, :2] -= 1.0
    return boxes
