"""The overlay draws the box, the rotated box and the status line where they belong, on a copy."""
import numpy as np

from tracker.base import TrackState
from tracker.overlay import BOX_COLOR, PANEL_COLOR, ROTATED_COLOR, draw_state


def test_draws_box_rotated_box_and_status_on_a_copy():
    frame = np.full((240, 320, 3), 128, np.uint8)
    corners = np.array([[200.0, 150.0], [260.0, 170.0], [250.0, 220.0], [190.0, 200.0]])
    state = TrackState(box=np.array([100.0, 80.0, 60.0, 40.0]), score=0.5, angle=18.0, corners=corners)
    out = draw_state(frame, state, fps=25.0)

    assert (frame == 128).all()  # the tracker's frame is untouched
    assert tuple(out[80, 130]) == BOX_COLOR and tuple(out[119, 130]) == BOX_COLOR  # top and bottom edges
    assert tuple(out[100, 130]) == (128, 128, 128)  # inside the box stays clean
    assert tuple(out[150, 200]) == ROTATED_COLOR  # a corner of the rotated box
    assert tuple(out[2, 2]) == PANEL_COLOR  # the status panel in the top-left corner
    assert (out[60:80, 100:170] != 128).any()  # the angle label above the box


def test_without_rotation_nothing_rotated_is_drawn():
    frame = np.full((240, 320, 3), 128, np.uint8)
    out = draw_state(frame, TrackState(box=np.array([100.0, 80.0, 60.0, 40.0]), score=1.0))
    assert not (out == np.array(ROTATED_COLOR, np.uint8)).all(axis=2).any()
