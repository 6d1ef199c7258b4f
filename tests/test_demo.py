"""tools/demo.py end to end, run as a user would (a subprocess): a headless run over a synthetic video, and
every bad input ending in a one-line message and a non-zero exit, never a traceback."""
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from moving_patch import centre_distance, moving_patch_clip

DEMO = Path(__file__).resolve().parents[1] / "tools" / "demo.py"
FPS = 15.0


def run_demo(*args, env_update=None, drop_display=True):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    if drop_display:
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
    env.update(env_update or {})
    return subprocess.run([sys.executable, str(DEMO), *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=120)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A 40-frame MJPG video of a textured patch moving right and down, and the patch's true boxes."""
    frames, truth = moving_patch_clip(n_frames=40, size=(160, 120))
    path = tmp_path_factory.mktemp("clip") / "patch.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (160, 120))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path, truth


def read_video(path):
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS)
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames, fps


@pytest.mark.parametrize("suffix", [".mp4", ".avi"])
def test_headless_run_writes_annotated_video_and_log(clip, tmp_path, suffix):
    video, truth = clip
    out, log = tmp_path / f"out{suffix}", tmp_path / "boxes.txt"
    x, y, w, h = truth[0]
    result = run_demo("--video", video, "--tracker", "csrt", "--init", f"{x},{y},{w},{h}", "--no-display",
                      "--output", out, "--log", log)
    assert result.returncode == 0, result.stderr
    assert "tracked 40 frames" in result.stderr

    frames, fps = read_video(out)
    assert len(frames) == 40
    assert frames[0].shape == (120, 160, 3)
    assert fps == pytest.approx(FPS)
    # annotated: the initial box's top edge is drawn in green (through lossy compression: green dominates)
    edge = frames[0][int(y), int(x) : int(x + w)].astype(float)
    assert edge[:, 1].mean() > edge[:, [0, 2]].mean() + 100

    rows = np.loadtxt(log, delimiter=",")
    assert rows.shape == (40, 6)
    np.testing.assert_array_equal(rows[:, 0], np.arange(40))
    np.testing.assert_allclose(rows[0, 1:5], truth[0])
    assert centre_distance(rows[:, 1:5], truth).max() < 4.0
    assert (rows[:, 5] == 1.0).all()


def write_images(folder, frames):
    folder.mkdir()
    for i, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"{i + 1:04d}.png"), frame)


def test_headless_run_over_an_image_folder(tmp_path):
    frames, truth = moving_patch_clip(n_frames=8)
    write_images(tmp_path / "img", frames)
    log = tmp_path / "boxes.txt"
    result = run_demo("--images", tmp_path / "img", "--init", ",".join(map(str, truth[0])), "--no-display",
                      "--log", log)
    assert result.returncode == 0, result.stderr
    rows = np.loadtxt(log, delimiter=",")
    assert rows.shape == (8, 6) and centre_distance(rows[:, 1:5], truth).max() < 4.0


def bad_inputs(tmp_path, video):
    garbage = tmp_path / "garbage.avi"
    garbage.write_bytes(b"not a video at all " * 64)
    (tmp_path / "empty").mkdir()
    return {
        "camera": (["--camera", 9, "--no-display", "--init", "1,1,5,5"], ["camera 9 cannot be opened", "--camera 10"]),
        "undecodable video": (["--video", garbage, "--no-display", "--init", "1,1,5,5"], ["cannot decode"]),
        "missing video": (["--video", tmp_path / "nope.mp4", "--no-display", "--init", "1,1,5,5"], ["not found"]),
        "no display": (["--video", video, "--init", "1,1,5,5"], ["no display available", "--no-display --output"]),
        "box outside": (["--video", video, "--no-display", "--init", "150,100,24,24"],
                        ["outside the 160x120 frame"]),
        "no init": (["--video", video, "--no-display"], ["--no-display needs --init"]),
        "malformed init": (["--video", video, "--no-display", "--init", "1,2,3"], ["expected x,y,w,h"]),
        "unknown tracker": (["--video", video, "--no-display", "--init", "1,1,5,5", "--tracker", "nosuch"],
                            ["unknown tracker", "csrt"]),
        "empty folder": (["--images", tmp_path / "empty", "--no-display", "--init", "1,1,5,5"], ["no images"]),
        "bad output suffix": (["--video", video, "--no-display", "--init", "1,1,5,5", "--output", tmp_path / "o.xyz"],
                              ["unsupported suffix"]),
    }


@pytest.mark.parametrize("case", ["camera", "undecodable video", "missing video", "no display", "box outside",
                                  "no init", "malformed init", "unknown tracker", "empty folder",
                                  "bad output suffix"])
def test_bad_input_gives_message_and_nonzero_exit(clip, tmp_path, case):
    args, messages = bad_inputs(tmp_path, clip[0])[case]
    result = run_demo(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    for message in messages:
        assert message in result.stderr


def test_a_tracker_without_trained_weights_is_refused_unless_opted_in(clip, tmp_path):
    video, truth = clip
    init = ",".join(map(str, truth[0]))
    refused = run_demo("--video", video, "--tracker", "siamrpnpp", "--init", init, "--no-display")
    assert refused.returncode == 2 and refused.stdout == "" and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith("error: siamrpnpp has no trained weights")
    assert "siamfc_ien" in refused.stderr and "--checkpoint" in refused.stderr and "--random-weights" in refused.stderr

    log = tmp_path / "boxes.txt"
    opted = run_demo("--video", video, "--tracker", "siamfc", "--random-weights", "--init", init, "--no-display",
                     "--log", log)
    assert opted.returncode == 0, opted.stderr
    assert "warning: siamfc runs with random weights (--random-weights)" in opted.stderr
    assert np.loadtxt(log, delimiter=",").shape == (40, 6)


def test_unreachable_display_is_detected_before_any_window(clip):
    """A DISPLAY that points nowhere makes Qt abort the process; the demo must find out first."""
    result = run_demo("--video", clip[0], "--init", "1,1,5,5", env_update={"DISPLAY": ":97"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "no display available" in result.stderr
