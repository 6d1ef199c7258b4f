"""The demo's interactive loop, with OpenCV's window functions replaced by a scripted user: selecting the
target with the mouse, re-selecting with ``r``, pausing with space and quitting with ``q`` (no display exists
where tests run, so the real window calls cannot be exercised here)."""

import cv2
import numpy as np
import pytest

from moving_patch import moving_patch_clip
from tool_modules import load_tool



@pytest.fixture()
def demo(monkeypatch):
    module = load_tool("demo", monkeypatch)
    monkeypatch.setattr(module, "require_display", lambda: None)
    return module


class ScriptedUser:
    """Answers ``waitKey`` from a script, ``selectROI`` from a list of boxes, and records what was shown."""

    def __init__(self, keys, selections):
        self.keys, self.selections, self.shown = list(keys), list(selections), []

    def install(self, monkeypatch):
        monkeypatch.setattr(cv2, "namedWindow", lambda *a: None)
        monkeypatch.setattr(cv2, "destroyAllWindows", lambda *a: None)
        monkeypatch.setattr(cv2, "getWindowProperty", lambda *a: 1.0)
        monkeypatch.setattr(cv2, "imshow", lambda name, image: self.shown.append(image))
        monkeypatch.setattr(cv2, "waitKey", lambda delay: self.keys.pop(0) if self.keys else -1)
        monkeypatch.setattr(cv2, "selectROI", lambda *a: self.selections.pop(0))


def test_select_reselect_pause_and_quit(demo, monkeypatch, tmp_path):
    frames, truth = moving_patch_clip(n_frames=20)
    folder = tmp_path / "img"
    folder.mkdir()
    for i, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"{i:04d}.png"), frame)
    first = tuple(int(v) for v in truth[0])
    x, y, _, _ = truth[3]
    reselected = (int(x) + 2, int(y) + 2, 20, 20)  # a tighter box on the same patch, at frame 3
    # frames 0-2: no key; frame 3: r; frame 4: space, still paused, space; frame 5: nothing; frame 6: q
    keys = [-1, -1, -1, ord("r"), ord(" "), -1, ord(" "), -1, ord("q")]
    user = ScriptedUser(keys, [first, reselected])
    user.install(monkeypatch)
    log = tmp_path / "boxes.txt"

    assert demo.main(["--images", str(folder), "--log", str(log)]) == 0

    rows = np.loadtxt(log, delimiter=",")
    np.testing.assert_array_equal(rows[:, 0], np.arange(7))  # quit after frame 6
    np.testing.assert_allclose(rows[0, 1:5], truth[0])  # the mouse-drawn first box
    assert np.allclose(rows[1:4, 3:5], 24, atol=2)  # tracking the first box's size
    assert np.allclose(rows[4:, 3:5], 20, atol=2)  # re-initialised with the re-selected box
    assert len(user.shown) == 7 + 2  # one per frame, plus a redraw on pausing and on resuming
    assert not user.keys and not user.selections


def test_cancelled_first_selection_is_a_clear_error(demo, monkeypatch, tmp_path):
    frames, _ = moving_patch_clip(n_frames=2)
    cv2.imwrite(str(tmp_path / "0001.png"), frames[0])
    ScriptedUser([], [(0, 0, 0, 0)]).install(monkeypatch)
    with pytest.raises(demo.TrackingError, match="no target selected"):
        demo.main(["--images", str(tmp_path)])
