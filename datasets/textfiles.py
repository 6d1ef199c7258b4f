"""Reading the small text files of tracking benchmarks: box rows, per-frame labels, name lists.

One reader for all of them so every loader reports a bad file the same way: a :class:`TrackingError` naming
the file, the 1-based line and what was expected. Separators differ between datasets and even between files
of one dataset (OTB mixes commas, tabs and spaces), so any run of commas, semicolons and whitespace separates
values. ``nan`` is a legal value (an absent target); anything else that is not a number is an error.
"""
import re
from pathlib import Path

import numpy as np

from core.errors import TrackingError, where

_SEPARATORS = re.compile(r"[,;\s]+")


def read_text(path) -> str:
    """The whole file as text; a missing or undecodable file is a :class:`TrackingError`."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TrackingError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TrackingError(f"{path}: cannot read as text ({exc})") from None


def _content_lines(path) -> list:
    """``(line_number, stripped_text)`` of every line up to the last non-blank one.

    Trailing blank lines are harmless; a blank line before the end would shift every later frame by one, so
    it is an error.
    """
    lines = read_text(path).splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    numbered = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            raise TrackingError(f"{where(path, number)}: empty line; expected one annotation per line")
        numbered.append((number, text))
    return numbered


def _numbers(path, number, text, what) -> list:
    values = []
    for token in _SEPARATORS.split(text):
        if not token:
            continue
        try:
            values.append(float(token))
        except ValueError:
            raise TrackingError(
                f"{where(path, number)}: non-numeric value {token!r}; expected {what}") from None
    return values


def read_rows(path, widths=(4,), what="x,y,w,h", finite=False) -> list:
    """One float array per line; every line must hold one of ``widths`` numbers (e.g. ``(4, 8)`` for VOT;
    ``None``: any count). ``finite=True`` refuses NaN and infinite values (result files, unlike ground truth,
    have no absent-target rows)."""
    count = f"{' or '.join(str(w) for w in widths)} numbers" if widths else "numbers"
    expected = f"{count} ({what}) separated by commas, tabs or spaces"
    rows = []
    for number, text in _content_lines(path):
        values = _numbers(path, number, text, expected)
        if widths and len(values) not in widths or not values:
            raise TrackingError(f"{where(path, number)}: found {len(values)} values in {text!r}; expected {expected}")
        row = np.asarray(values, dtype=np.float64)
        if finite and not np.isfinite(row).all():
            raise TrackingError(f"{where(path, number)}: NaN or infinite value in {text!r}; expected finite {count}")
        rows.append(row)
    return rows


def read_boxes(path) -> np.ndarray:
    """``(N, 4)`` boxes ``x, y, w, h`` exactly as written in the file (no coordinate conversion)."""
    rows = read_rows(path, widths=(4,))
    if not rows:
        raise TrackingError(f"{path}: no boxes; expected one x,y,w,h line per frame")
    return np.stack(rows)


def read_labels(path, length, what="per-frame label") -> np.ndarray:
    """Integer per-frame labels, one per line or all on one line, zero-padded to ``length`` frames.

    Label files may stop early (VOT tag files end at the last tagged frame); more labels than frames is an
    error, since it means the file belongs to another sequence or cut.
    """
    values = []
    for number, text in _content_lines(path):
        values.extend(_numbers(path, number, text, f"integer {what}s"))
    labels = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(labels)) or not np.all(labels == np.round(labels)):
        raise TrackingError(f"{path}: expected integer {what}s")
    if len(labels) > length:
        raise TrackingError(f"{path}: {len(labels)} labels for {length} frames; expected at most one per frame")
    return np.pad(labels.astype(np.int64), (0, length - len(labels)))


def read_names(path) -> list:
    """``(line_number, name)`` of each non-blank line of a list file such as ``list.txt``."""
    names = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if line.strip():
            names.append((number, line.strip()))
    if not names:
        raise TrackingError(f"{path}: no sequence names; expected one sequence folder name per line")
    return names
