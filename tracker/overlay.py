"""Draw a tracker's state on a frame: the box, the rotated box and its angle where the tracker estimates
rotation, and a status line with the confidence and frames per second.

Why separate from the demo loop: the same picture is wanted on screen, in the written video and in tests, and
drawing has nothing to do with reading frames or handling keys. Colours are BGR.
"""
from typing import Optional

import cv2
import numpy as np

from tracker.base import TrackState

BOX_COLOR = (0, 255, 0)
ROTATED_COLOR = (0, 255, 255)
TEXT_COLOR = (255, 255, 255)
PANEL_COLOR = (0, 0, 0)
FONT = cv2.FONT_HERSHEY_SIMPLEX


def _style(frame: np.ndarray):
    """Line thickness and font scale proportional to the frame, so small and HD videos both stay legible."""
    side = min(frame.shape[:2])
    return max(1, round(side / 240)), max(0.35, side / 600)


def draw_state(frame: np.ndarray, state: TrackState, fps: Optional[float] = None, paused: bool = False) -> np.ndarray:
    """Return a copy of ``frame`` with ``state`` drawn on it (the input frame is left untouched, because the
    tracker still needs the clean pixels, e.g. when the user re-selects the target)."""
    out = frame.copy()
    thickness, scale = _style(out)
    x, y, w, h = (float(v) for v in np.asarray(state.box, dtype=np.float64).reshape(4))
    if np.isfinite([x, y, w, h]).all():
        cv2.rectangle(out, (round(x), round(y)), (round(x + w) - 1, round(y + h) - 1), BOX_COLOR, thickness)
    if state.corners is not None:
        polygon = np.round(np.asarray(state.corners, dtype=np.float64).reshape(4, 2)).astype(np.int32)
        cv2.polylines(out, [polygon], isClosed=True, color=ROTATED_COLOR, thickness=thickness)
    if state.angle is not None:
        anchor = (max(0, round(x)), max(0, round(y)) - 2 * thickness)
        _text(out, f"{state.angle:+.1f} deg", anchor, scale, thickness, ROTATED_COLOR)

    status = [f"score {state.score:.2f}"]
    if fps is not None:
        status.append(f"{fps:.1f} fps")
    if paused:
        status.append("paused")
    _panel(out, "  ".join(status), scale, thickness)
    return out


def _text(image, text, origin, scale, thickness, color):
    """Text with a dark outline, readable on any background."""
    origin = (int(origin[0]), max(int(origin[1]), int(20 * scale)))
    cv2.putText(image, text, origin, FONT, scale, PANEL_COLOR, thickness + 2, cv2.LINE_AA)
    cv2.putText(image, text, origin, FONT, scale, color, thickness, cv2.LINE_AA)


def _panel(image, text, scale, thickness):
    """The status line in the top-left corner on a filled dark strip."""
    (tw, th), baseline = cv2.getTextSize(text, FONT, scale, thickness)
    pad = max(2, th // 3)
    cv2.rectangle(image, (0, 0), (tw + 2 * pad, th + baseline + 2 * pad), PANEL_COLOR, cv2.FILLED)
    cv2.putText(image, text, (pad, pad + th), FONT, scale, TEXT_COLOR, thickness, cv2.LINE_AA)
