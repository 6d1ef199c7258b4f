"""benchmarks/select_aspect_subset.py: the aspect-change measure on boxes of known aspect, and the ranking that
chooses the subset from ground truth alone."""
import json
from pathlib import Path

import numpy as np
import pytest

from datasets.sequence import Sequence

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def subset(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    import select_aspect_subset

    return select_aspect_subset


def _boxes(aspects) -> np.ndarray:
    """Boxes of area 400 with the given w / h ratios."""
    aspects = np.asarray(aspects, dtype=np.float64)
    w, h = 20 * np.sqrt(aspects), 20 / np.sqrt(aspects)
    return np.column_stack([np.zeros_like(w), np.zeros_like(w), w, h])


def test_aspect_change_is_the_95th_percentile_of_the_log_ratio_to_the_first_frame(subset):
    # 19 frames at the first aspect, one twice as wide: p95 interpolates between |log 1| and |log 2| ...
    row = subset.aspect_change(_boxes([1.0] * 19 + [2.0]), np.ones(20, dtype=bool))
    assert row["max"] == pytest.approx(np.log(2)) and row["frames"] == 20
    assert row["p95"] == pytest.approx(0.05 * np.log(2))  # numpy's linear percentile: 0.05 of the way up
    # ... and an invalid frame (NaN box) is left out; a halved aspect counts as much as a doubled one
    boxes = _boxes([1.0, 0.5, 0.5, 0.5])
    boxes[1] = np.nan
    row = subset.aspect_change(boxes, np.array([True, False, True, True]))
    assert row["frames"] == 3 and row["p95"] == pytest.approx(np.log(2))


def test_rank_orders_sequences_by_their_aspect_change(subset):
    steady = Sequence("steady", ["f"] * 3, _boxes([2.0, 2.0, 2.0]))
    turning = Sequence("turning", ["f"] * 3, _boxes([0.5, 1.0, 2.0]))
    rows = subset.rank([steady, turning])
    assert list(rows) == ["turning", "steady"]
    # |log(a_t / a_0)| = 0, log 2, log 4: the 95th percentile lies 0.9 of the way from log 2 to log 4
    assert rows["steady"]["p95"] == 0.0 and rows["turning"]["p95"] == pytest.approx(1.9 * np.log(2))


def test_the_shipped_subset_file_names_validation_sequences_only(subset):
    import ien_common

    chosen = json.loads((REPO / "benchmarks" / "aspect_subset.json").read_text())["sequences"]
    validation = {name for _, _, names in ien_common.VALIDATION_SPLIT for name in names}
    assert len(chosen) == 4 and set(chosen) <= validation
