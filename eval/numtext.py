"""Parse small numeric text tables (one record per line, values separated by commas, tabs or spaces).

Result files are the slow part of an evaluation (OTB-100 with five trackers is 1.2 million numbers). The fast
path hands a whole file to NumPy's C reader; whenever that reader fails or the shape is off, a line-by-line
reader takes over, and it is the one that reports errors by file and line, so messages never depend on which
path ran.
"""
import numpy as np

from core.errors import TrackingError
from datasets.textfiles import read_rows


def read_table(path, columns=None):
    """Read ``path`` into a list of per-line float arrays (``columns=None``: any count per line) or, with
    ``columns=k``, a float64 ``(lines, k)`` array. Trailing blank lines are ignored; a blank line inside,
    a wrong count, a non-number or a NaN/infinite value is a :class:`TrackingError` naming file and line."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise TrackingError(f"{path}: cannot read ({err.strerror})") from None
    if columns is not None:
        fast = _fast_table(data, columns)
        if fast is not None:
            return fast
    rows = _slow_rows(path, columns)
    if columns is None:
        return rows
    return np.array(rows, dtype=np.float64).reshape(len(rows), columns)


def _slow_rows(path, columns):
    """The loaders' line-by-line reader (datasets/textfiles.py), so results and ground truth report a bad line
    in the same words; results must be finite."""
    return read_rows(path, widths=(columns,) if columns else None, what="result values", finite=True)


def _fast_table(data: bytes, columns: int):
    """NumPy's C reader on the whole file; ``None`` whenever the slow reader must decide (ragged or blank
    lines, comments, non-numbers, NaN), so every error is reported the same way."""
    text = data.replace(b",", b" ").replace(b"\t", b" ").rstrip()
    if not text:
        return np.zeros((0, columns))
    lines = text.split(b"\n")
    try:
        table = np.loadtxt(lines, ndmin=2, comments=None, encoding="latin-1")
    except ValueError:
        return None
    if table.shape != (len(lines), columns) or not np.isfinite(table).all():
        return None
    return table
