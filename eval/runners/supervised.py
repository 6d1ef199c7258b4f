"""The VOT supervised ("baseline") protocol: the tracker is restarted after each failure.

As in the VOT toolkit and pysot-toolkit: a frame whose predicted box does not overlap the ground truth at all
(overlap 0) is a failure; the tracker is then left alone for the next frames and re-initialised on the ground truth
``SKIP_AFTER_FAILURE`` (5) frames after the failure. Each frame's record is ``INIT`` (1) on (re)initialisation,
``FAILURE`` (2) on a failure, ``SKIPPED`` (0) while waiting, else the predicted box. Skipped frames are not even
decoded. A polygon ground truth starts the tracker with pysot's area-preserving axis-aligned box.
"""
import time
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from core.boxes import polygon_to_area_box

INIT, FAILURE, SKIPPED = 1, 2, 0
SKIP_AFTER_FAILURE = 5


@dataclass
class SupervisedRun:
    """Per-frame ``records`` (``INIT``, ``FAILURE``, ``SKIPPED`` or an ``(4,)`` box), the tracker's seconds per
    frame (0 where skipped) and the number of failures."""

    records: list
    times: np.ndarray
    failures: int


def init_box(ground_truth_row) -> np.ndarray:
    """The box a tracker is (re)started with: the box itself, or pysot's rule for a polygon."""
    row = np.asarray(ground_truth_row, dtype=np.float64).reshape(-1)
    return polygon_to_area_box(row) if row.size == 8 else row


def run_supervised(tracker, sequence, overlap: Callable, skip: int = SKIP_AFTER_FAILURE,
                   on_frame: Optional[Callable[[int], None]] = None) -> SupervisedRun:
    """Run the supervised protocol over ``sequence``.

    ``overlap(box, ground_truth_row, (width, height))`` is the failure test's overlap (the VOT toolkit's, with the
    ground truth clipped to the image bounds); ``on_frame(1)`` is called after every frame.
    """
    n = len(sequence)
    bounds = tuple(sequence.image_size)
    records, times, failures = [], np.zeros(n), 0
    restart_at = 0
    for i in range(n):
        if i < restart_at:
            records.append(SKIPPED)
        else:
            image = sequence.image(i)
            tic = time.perf_counter()
            if i == restart_at:
                tracker.init(image, init_box(sequence.ground_truth[i]))
                box = None
            else:
                box = tracker.update(image)
            times[i] = time.perf_counter() - tic
            if box is None:
                records.append(INIT)
            elif overlap(box, sequence.ground_truth[i], bounds) > 0:
                records.append(box)
            else:
                records.append(FAILURE)
                failures += 1
                restart_at = i + skip
        if on_frame is not None:
            on_frame(1)
    return SupervisedRun(records=records, times=times, failures=failures)
