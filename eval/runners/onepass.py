"""One-pass evaluation (OTB, LaSOT, UAV123, GOT-10k): start the tracker on the first frame's ground truth and let
it run to the end without help, recording every frame's box and the tracker's own time."""
import time
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from core.boxes import box_to_polygon, valid_mask
from core.errors import TrackingError


@dataclass
class OnePassRun:
    """What one pass over a sequence produced.

    ``boxes`` ``(N, 4)`` (the first is the initial box, as the official toolkits write it); ``times`` seconds the
    tracker spent per frame (image decoding excluded, as in the reference toolkits); ``corners`` ``(N, 8)`` rotated
    boxes when the tracker estimates rotation (``TrackState.corners``), else ``None``.
    """

    boxes: np.ndarray
    times: np.ndarray
    corners: Optional[np.ndarray] = None


def run_onepass(tracker, sequence, on_frame: Optional[Callable[[int], None]] = None) -> OnePassRun:
    """Track ``sequence`` once from its first ground-truth box; ``on_frame(1)`` is called after every frame."""
    start_box = sequence.boxes[0]
    if not valid_mask(start_box)[0]:
        raise TrackingError(f"{sequence.name}: the first frame has no valid ground-truth box to start from "
                            f"(got {start_box.tolist()})")
    n = len(sequence)
    boxes, times, corners = np.zeros((n, 4)), np.zeros(n), np.zeros((n, 8))
    rotates = False
    for i in range(n):
        image = sequence.image(i)
        tic = time.perf_counter()
        if i == 0:
            tracker.init(image, start_box)
        else:
            tracker.update(image)
        times[i] = time.perf_counter() - tic
        state = tracker.state
        boxes[i] = np.asarray(state.box, dtype=np.float64).reshape(4)
        if state.corners is not None:
            corners[i] = np.asarray(state.corners, dtype=np.float64).reshape(8)
            rotates = True
        else:
            corners[i] = box_to_polygon(boxes[i])[0]
        if on_frame is not None:
            on_frame(1)
    return OnePassRun(boxes=boxes, times=times, corners=corners if rotates else None)
