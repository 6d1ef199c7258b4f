"""Builders for the tiny on-disk dataset trees the dataset tests create in tmp_path."""
from pathlib import Path

import cv2
import numpy as np


def write_images(folder, numbers, pattern="{:04d}.jpg", size=(16, 12)):
    """Tiny images named by ``pattern`` for each frame number; each frame's grey level is its number."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    w, h = size
    paths = []
    for n in numbers:
        path = folder / pattern.format(n)
        cv2.imwrite(str(path), np.full((h, w, 3), n % 256, np.uint8))
        paths.append(path)
    return paths


def touch_images(folder, numbers, pattern="{:06d}.jpg"):
    """Empty image files: enough for listing, which reads no image (long sequences stay fast to build)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        (folder / pattern.format(n)).touch()


def write_rows(path, rows, sep=","):
    """One line per row, values joined by ``sep`` (``nan`` written as ``NaN``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [sep.join("NaN" if v != v else f"{v:g}" for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def boxes(n, start=10.0):
    """``n`` distinct boxes ``x, y, w, h`` (row i: x = start + i)."""
    return [(start + i, 20.0 + 2 * i, 30.0, 40.0 + i) for i in range(n)]


def got10k_datasets():
    """The ``got10k.datasets`` module, the reference our loaders are compared with (imported on use, since it
    pulls in matplotlib)."""
    import importlib
    return importlib.import_module("got10k.datasets")
