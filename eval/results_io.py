"""Read and write the result files trackers exchange, and find them by sequence name.

Layouts (``<results>`` is the results root, ``<Tracker>`` one tracker's folder under it):

- one-pass (OTB, LaSOT, UAV, folder): ``<Tracker>/<Seq>.txt``, one ``x,y,w,h`` per frame (comma, tab or space);
  frame times, when present, in ``<Tracker>/times/<Seq>_time.txt`` (the got10k package's place); for trackers
  that estimate rotation, their rotated boxes in ``<Tracker>/polygons/<Seq>.txt``, 8 comma-separated values per
  frame (no official format exists; ours keeps the boxes' coordinate convention).
- GOT-10k: ``<Tracker>/<seq>/<seq>_001.txt`` (``_002``, ``_003`` for repetitions) and ``<seq>_time.txt`` with
  one column of frame times per repetition.
- VOT supervised (baseline): ``<Tracker>/baseline/<seq>/<seq>_001.txt``, one record per frame: ``1``
  (initialised), ``2`` (failure), ``0`` (skipped), else the box or polygon.

Sequence names are matched case-insensitively with ``-``, ``_`` and ``.`` treated alike (published results
spell ``Jogging-1`` as ``jogging_1`` and ``Human4-2`` as ``human4_2``).

Coordinates: boxes are 0-based inside the project. Where the loaders shift the dataset's own files from 1-based
(OTB, TB50, folders in the OTB layout: see ``eval.onepass`` for the table) result files are 1-based too, and ``one_based=True`` converts at
this boundary, so ground truth written back as a result file equals the ground-truth file.

Every write is atomic (a temporary file in the same folder, then ``os.replace``), so an interrupted run never
leaves a half-written result that a later evaluation would trust.
"""
import os
import re
import tempfile
import warnings
from pathlib import Path

import numpy as np

from core.boxes import as_boxes
from core.errors import TrackingError
from eval.numtext import read_table

ONE_BASED_DATASETS = ("OTB", "TB", "FOLDER")
_SEPARATORS = re.compile(r"[-_.]")


def one_based_for(dataset: str) -> bool:
    """Whether ``dataset``'s ground-truth files (and so its result files) are 1-based (MATLAB heritage)."""
    name = dataset.upper()
    return any(name.startswith(prefix) for prefix in ONE_BASED_DATASETS)


def canonical_name(name: str) -> str:
    """Key for matching sequence names across spellings: lower case, ``-``/``_``/``.`` made equal."""
    return _SEPARATORS.sub("-", name.lower())


def index_folder(folder, suffix: str = ".txt", dirs: bool = False) -> dict:
    """Map canonical names to the files (or sub-folders) of ``folder``; two entries with the same canonical
    name are ambiguous and an error."""
    folder = Path(folder)
    if not folder.is_dir():
        raise TrackingError(f"{folder}: results folder not found")
    index = {}
    for entry in os.scandir(folder):
        if dirs:
            if not entry.is_dir():
                continue
            stem = entry.name
        else:
            if not entry.name.endswith(suffix) or not entry.is_file():
                continue
            stem = entry.name[: -len(suffix)]
        key = canonical_name(stem)
        if key in index:
            raise TrackingError(f"{folder}: both {index[key].name} and {entry.name} match sequence {stem}")
        index[key] = Path(entry.path)
    return index


def find_in(index: dict, sequence_name: str):
    """The indexed path for ``sequence_name`` or None."""
    return index.get(canonical_name(sequence_name))


# ---- one-pass ---------------------------------------------------------------------------------------------


def read_onepass(path, n_frames=None, one_based=False, pad_missing=False) -> np.ndarray:
    """Boxes ``(N, 4)`` from a one-pass result file, converted to 0-based when ``one_based``.

    With ``n_frames`` the line count must match: more lines is an error; fewer is an error unless
    ``pad_missing`` (then the missing frames become NaN boxes, which score as failures, and a warning names
    the file)."""
    boxes = read_table(path, columns=4)
    boxes = _fit_length(boxes, n_frames, path, pad_missing)
    if one_based:
        boxes = boxes.copy()
        boxes[:, :2] -= 1.0
    return boxes


def write_onepass(path, boxes, one_based: bool) -> None:
    """Write ``(N, 4)`` 0-based boxes as ``x,y,w,h`` lines (1-based when ``one_based``), atomically. Values are
    written in the shortest form that reads back to the same float (integers without a decimal point)."""
    b = as_boxes(boxes).copy()
    if one_based:
        b[:, :2] += 1.0
    atomic_write(path, "".join(",".join(_fmt(v) for v in row) + "\n" for row in b))


def read_times(path, n_frames=None):
    """Frame times in seconds ``(N, R)`` (R repetitions as columns), or None when the file is absent."""
    if not Path(path).is_file():
        return None
    rows = read_table(path)
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        raise TrackingError(f"{path}: lines have different numbers of columns ({sorted(widths)})")
    times = np.array(rows, dtype=np.float64).reshape(len(rows), -1)
    if n_frames is not None and len(times) != n_frames:
        raise TrackingError(f"{path}: {len(times)} lines for {n_frames} frames")
    return times


def write_times(path, times) -> None:
    """Write frame times in seconds atomically in the got10k package's time-file format: ``%.8f``, one line per
    frame, one comma-separated column per repetition (a 1-D array is one repetition). ``read_times`` reads it."""
    t = np.asarray(times, dtype=np.float64)
    columns = t.reshape(-1, 1) if t.ndim == 1 else t
    if columns.ndim != 2:
        raise TrackingError(f"{path}: frame times must be (N,) or (N, repetitions), got shape {t.shape}")
    atomic_write(path, "".join(",".join(f"{v:.8f}" for v in row) + "\n" for row in columns))


def onepass_times_path(tracker_dir, sequence_name) -> Path:
    return Path(tracker_dir) / "times" / f"{sequence_name}_time.txt"


def write_polygons(path, polygons, one_based: bool) -> None:
    """Write ``(N, 8)`` 0-based polygons (4 decimals), 1-based when ``one_based``, atomically."""
    p = np.asarray(polygons, dtype=np.float64).reshape(-1, 8) + (1.0 if one_based else 0.0)
    atomic_write(path, "".join(",".join(f"{v:.4f}" for v in row) + "\n" for row in p))


def read_polygons(path, n_frames: int, one_based: bool) -> np.ndarray:
    """``(N, 8)`` 0-based polygons from a file ``write_polygons`` wrote; the line count must be ``n_frames``."""
    rows = np.asarray(read_table(path, columns=8), dtype=np.float64).reshape(-1, 8)
    if len(rows) != n_frames:
        raise TrackingError(f"{path}: {len(rows)} lines for {n_frames} frames")
    return rows - (1.0 if one_based else 0.0)


def polygons_path(tracker_dir, sequence_name) -> Path:
    return Path(tracker_dir) / "polygons" / f"{sequence_name}.txt"


# ---- GOT-10k ----------------------------------------------------------------------------------------------


def write_got10k(tracker_dir, seq, boxes_per_rep, times_per_rep=None) -> None:
    """Write repetitions ``<tracker_dir>/<seq>/<seq>_00r.txt`` (0-based boxes, as GOT-10k files are) and, with
    times, ``<seq>_time.txt`` holding one column per repetition."""
    folder = Path(tracker_dir) / seq
    for r, boxes in enumerate(boxes_per_rep, start=1):
        write_onepass(folder / f"{seq}_{r:03d}.txt", boxes, one_based=False)
    if times_per_rep is not None and len(times_per_rep):
        columns = np.stack([np.asarray(t, dtype=np.float64).reshape(-1) for t in times_per_rep], axis=1)
        write_times(folder / f"{seq}_time.txt", columns)


def read_got10k(tracker_dir, seq, n_frames=None, pad_missing=False):
    """``(boxes_per_rep, times)``: the repetitions ``<seq>_001.txt ...`` in order and the ``(N, R)`` times
    (None without a time file). The sequence folder is matched like one-pass names."""
    folder, reps = _repetition_files(tracker_dir, seq)
    boxes = [read_onepass(p, n_frames, one_based=False, pad_missing=pad_missing) for p in reps]
    time_files = [p for p in folder.glob("*_time.txt") if canonical_name(p.name[:-9]) == canonical_name(seq)]
    times = read_times(time_files[0]) if time_files else None
    return boxes, times


# ---- VOT supervised ---------------------------------------------------------------------------------------


def write_vot(tracker_dir, seq, records, repetition: int = 1) -> None:
    """Write one repetition of the supervised protocol to ``<tracker_dir>/baseline/<seq>/<seq>_00r.txt``:
    an int record is a code (1 init, 2 failure, 0 skipped), an array a box or polygon (4 decimals, as the
    VOT toolkit writes)."""
    lines = []
    for i, rec in enumerate(records):
        arr = np.asarray(rec, dtype=np.float64).reshape(-1)
        if arr.size == 1:
            if arr[0] not in (0, 1, 2):
                raise TrackingError(f"{seq}: frame {i + 1}: code {arr[0]:g} is not 0, 1 or 2")
            lines.append(f"{int(arr[0])}")
        elif arr.size in (4, 8) and np.isfinite(arr).all():
            lines.append(",".join(f"{v:.4f}" for v in arr))
        else:
            raise TrackingError(f"{seq}: frame {i + 1}: expected a code, 4 or 8 finite values, got {arr.size}")
    path = Path(tracker_dir) / "baseline" / seq / f"{seq}_{repetition:03d}.txt"
    atomic_write(path, "".join(line + "\n" for line in lines))


def read_vot(tracker_dir, seq, n_frames=None):
    """All repetitions of a supervised run: a list (one per ``_00r`` file) of per-frame records, each a
    float array of 1 (code), 4 or 8 values."""
    _, reps = _repetition_files(Path(tracker_dir) / "baseline", seq)
    runs = []
    for path in reps:
        rows = read_table(path)
        for line, row in enumerate(rows, start=1):
            if row.size == 1 and row[0] not in (0, 1, 2):
                raise TrackingError(f"{path}:{line}: code {row[0]:g} is not 0, 1 or 2")
            if row.size not in (1, 4, 8):
                raise TrackingError(f"{path}:{line}: expected a code or 4 or 8 values, found {row.size}")
        if n_frames is not None and len(rows) != n_frames:
            raise TrackingError(f"{path}: {len(rows)} lines for {n_frames} frames")
        runs.append(rows)
    return runs


# ---- helpers ----------------------------------------------------------------------------------------------


def _repetition_files(parent, seq):
    """``(folder, files)``: the sequence's folder under ``parent`` (matched like one-pass names) and its
    repetitions ``<seq>_001.txt, <seq>_002.txt, ...`` in order (GOT-10k and VOT share this layout)."""
    folder = find_in(index_folder(parent, dirs=True), seq)
    if folder is None:
        raise TrackingError(f"{parent}: no results for sequence {seq}")
    reps = sorted(p for p in folder.glob("*_[0-9][0-9][0-9].txt")
                  if canonical_name(p.name[:-8]) == canonical_name(seq))
    if not reps:
        raise TrackingError(f"{folder}: no {seq}_001.txt")
    return folder, reps


def _fit_length(boxes, n_frames, path, pad_missing):
    if n_frames is None or len(boxes) == n_frames:
        return boxes
    if len(boxes) > n_frames:
        raise TrackingError(f"{path}: {len(boxes)} lines for {n_frames} frames (too many)")
    if not pad_missing:
        raise TrackingError(f"{path}: {len(boxes)} lines for {n_frames} frames; use --pad-missing to count the "
                            f"missing {n_frames - len(boxes)} frame(s) as failures")
    warnings.warn(f"{path}: {n_frames - len(boxes)} missing frame(s) counted as failures", stacklevel=3)
    return np.vstack([boxes, np.full((n_frames - len(boxes), 4), np.nan)])


def _fmt(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def atomic_write(path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``, creating the
    folder: readers see the old file or the whole new one, never a half-written one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
