"""Frame sources: frames come back complete and in order, with the rate and size an output video needs, and
broken sources fail when opened with a message naming the file."""
import cv2
import numpy as np
import pytest

from core.errors import TrackingError
from datasets.frame_source import DEFAULT_FPS, ImageFolderSource, open_frame_source, open_video
from moving_patch import moving_patch_clip


def read_all(source):
    frames = []
    while (frame := source.read()) is not None:
        frames.append(frame)
    return frames


def test_image_folder_in_name_order(tmp_path):
    frames, _ = moving_patch_clip(n_frames=5, size=(64, 48), start=(4.0, 4.0))
    for i, frame in enumerate(frames):
        cv2.imwrite(str(tmp_path / f"{i + 1:04d}.png"), frame)
    (tmp_path / "notes.txt").write_text("not a frame")
    with open_frame_source(images=tmp_path) as source:
        assert (source.length, source.frame_size, source.fps) == (5, (64, 48), DEFAULT_FPS)
        read = read_all(source)
        assert source.index == 4
    assert len(read) == 5
    for got, expected in zip(read, frames):
        np.testing.assert_array_equal(got, expected)  # PNG is lossless: same pixels, same order


def test_image_folder_rejects_a_frame_of_another_size(tmp_path):
    cv2.imwrite(str(tmp_path / "0001.png"), np.zeros((48, 64, 3), np.uint8))
    cv2.imwrite(str(tmp_path / "0002.png"), np.zeros((40, 64, 3), np.uint8))
    source = ImageFolderSource(tmp_path)
    source.read()
    with pytest.raises(TrackingError, match=r"0002.png: image is 64x40, expected 64x48"):
        source.read()


def test_video_reports_rate_length_and_all_frames(tmp_path):
    frames, _ = moving_patch_clip(n_frames=12, size=(96, 64), start=(4.0, 4.0))
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 12.5, (96, 64))
    for frame in frames:
        writer.write(frame)
    writer.release()
    with open_video(path) as source:
        assert source.fps == pytest.approx(12.5) and source.length == 12 and source.frame_size == (96, 64)
        read = read_all(source)
    assert len(read) == 12
    assert np.abs(read[-1].astype(int) - frames[-1]).mean() < 8  # MJPG is lossy, but it is the same picture


def test_broken_sources_fail_when_opened(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 2048)
    with pytest.raises(TrackingError, match="bad.mp4: cannot decode"):
        open_video(bad)
    with pytest.raises(TrackingError, match="camera 9 cannot be opened.*--camera 10"):
        open_frame_source(camera=9)
    with pytest.raises(TrackingError, match="exactly one frame source"):
        open_frame_source(camera=0, video=bad)
