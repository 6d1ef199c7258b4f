"""Live frame sources for the demo: a camera, a video file or a folder of images, read one frame at a time.

Why a separate module: the demo loop (and its tests) should not care where frames come from, and every way a
source can fail (a camera that will not open, a video that will not decode, an empty folder) becomes one
:class:`TrackingError` with a message that says what to try, raised when the source is opened, before any
tracker is built or window shown. Frames are BGR uint8 as everywhere in the project.
"""
import contextlib
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from core.errors import TrackingError

#: used for the output video when the source does not report a usable frame rate (cameras, image folders)
DEFAULT_FPS = 30.0
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


@contextlib.contextmanager
def _quiet_opencv():
    """Silence OpenCV's own log while probing a device or file: its warnings (V4L2, FFmpeg) would bury our
    one-line message."""
    logging = cv2.utils.logging
    previous = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        logging.setLogLevel(previous)


class FrameSource:
    """Frames in order: :meth:`read` returns the next one or ``None`` at the end.

    ``first_frame`` is decoded when the source opens (so a broken source fails early) and is also the first
    frame :meth:`read` returns. ``fps`` is the rate to write an output video at; ``description`` names the
    source in messages.
    """

    description = "source"
    fps = DEFAULT_FPS
    #: number of frames when known in advance (video files, folders), else None (cameras)
    length: Optional[int] = None

    def __init__(self):
        self.first_frame: Optional[np.ndarray] = None
        self.index = -1  # index of the frame last returned by read()

    @property
    def frame_size(self) -> tuple:
        """``(width, height)`` of the frames."""
        h, w = self.first_frame.shape[:2]
        return w, h

    def read(self) -> Optional[np.ndarray]:
        frame = self.first_frame if self.index < 0 else self._next()
        if frame is not None:
            self.index += 1
        return frame

    def _next(self) -> Optional[np.ndarray]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the device or file (idempotent)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class CaptureSource(FrameSource):
    """A camera or a video file through ``cv2.VideoCapture``."""

    def __init__(self, capture: cv2.VideoCapture, description: str, fps: float, length: Optional[int] = None):
        super().__init__()
        self._capture = capture
        self.description = description
        self.fps = fps
        self.length = length

    def _next(self) -> Optional[np.ndarray]:
        ok, frame = self._capture.read()
        return frame if ok else None

    def close(self) -> None:
        self._capture.release()


def open_camera(index: int) -> CaptureSource:
    """Open camera ``index``; a camera that cannot be opened or gives no frame is a :class:`TrackingError`
    suggesting another index."""
    with _quiet_opencv():
        capture = cv2.VideoCapture(index)
        opened = capture.isOpened()
        ok, frame = capture.read() if opened else (False, None)
    if not ok:
        capture.release()
        what = "gives no frames" if opened else "cannot be opened (no such device, or another program uses it)"
        raise TrackingError(
            f"camera {index} {what}; try another index, e.g. --camera {index + 1}, or use --video FILE"
        )
    source = CaptureSource(capture, f"camera {index}", _usable_fps(capture.get(cv2.CAP_PROP_FPS)))
    source.first_frame = frame
    return source


def open_video(path) -> CaptureSource:
    """Open a video file and decode its first frame; a missing file or one OpenCV cannot decode is a
    :class:`TrackingError` naming the file."""
    path = Path(path)
    if not path.is_file():
        raise TrackingError(f"{path}: video file not found")
    with _quiet_opencv():
        capture = cv2.VideoCapture(str(path))
        ok, frame = capture.read() if capture.isOpened() else (False, None)
    if not ok:
        capture.release()
        raise TrackingError(
            f"{path}: cannot decode this video (not a video, corrupt, or a codec this OpenCV build lacks); "
            "try converting it, e.g. to MJPG .avi or H.264 .mp4, or extract its frames and use --images DIR"
        )
    count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))  # from the container header: a hint for progress only
    fps = _usable_fps(capture.get(cv2.CAP_PROP_FPS))
    source = CaptureSource(capture, str(path), fps, count if count > 0 else None)
    source.first_frame = frame
    return source


class ImageFolderSource(FrameSource):
    """The images of a folder in file-name order (as benchmark sequences store them)."""

    def __init__(self, directory):
        super().__init__()
        directory = Path(directory)
        if not directory.is_dir():
            raise TrackingError(f"{directory}: image folder not found")
        self._paths = sorted(p for p in directory.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self._paths:
            raise TrackingError(f"{directory}: no images in this folder (expected {', '.join(IMAGE_SUFFIXES)})")
        self.description = str(directory)
        self.length = len(self._paths)
        self.first_frame = self._load(0)

    def _next(self) -> Optional[np.ndarray]:
        i = self.index + 1
        return self._load(i) if i < len(self._paths) else None

    def _load(self, i: int) -> np.ndarray:
        path = self._paths[i]
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise TrackingError(f"{path}: cannot read image (unreadable or not an image)")
        if self.first_frame is not None and image.shape != self.first_frame.shape:
            h, w = self.first_frame.shape[:2]
            raise TrackingError(
                f"{path}: image is {image.shape[1]}x{image.shape[0]}, expected {w}x{h} like the first image "
                "(all frames of a sequence must share one size)"
            )
        return image


def open_frame_source(camera: Optional[int] = None, video=None, images=None) -> FrameSource:
    """Open whichever one of ``camera`` (index), ``video`` (file) or ``images`` (folder) is given."""
    given = [name for name, value in (("camera", camera), ("video", video), ("images", images)) if value is not None]
    if len(given) != 1:
        raise TrackingError(f"give exactly one frame source (camera, video or images), got {given or 'none'}")
    if video is not None:
        return open_video(video)
    if images is not None:
        return ImageFolderSource(images)
    return open_camera(int(camera))


def _usable_fps(reported: float) -> float:
    """Cameras and some containers report 0 or nonsense; fall back to :data:`DEFAULT_FPS` then."""
    return float(reported) if np.isfinite(reported) and 1.0 <= reported <= 240.0 else DEFAULT_FPS
