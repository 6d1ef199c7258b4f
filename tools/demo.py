"""Try a tracker on a camera, a video or a folder of images.

    python tools/demo.py [--camera 0 | --video FILE | --images DIR] [--tracker NAME_OR_CONFIG]
                         [--checkpoint PATH] [--init x,y,w,h] [--output out.mp4] [--log boxes.txt] [--no-display]
                         [--backend torch|onnxruntime] [--threads N]

A learned tracker needs trained weights (shipped with its name, or --checkpoint); one without them is refused
unless --random-weights opts in, and the run then says so.

The initial box comes from ``--init`` (0-based pixels) or is drawn with the mouse on the first frame. While
tracking: ``r`` re-selects the target on the current frame, space pauses and resumes, ``q`` or Esc quits (so does
closing the window). The window and ``--output`` video show the box, the rotated box and its angle for trackers
that estimate rotation, the confidence and the tracker's frames per second. ``--log`` writes one line per frame:
``index,x,y,w,h,score`` (0-based box). ``--no-display`` runs headless (servers, tests) and then needs ``--init``.
"""
import _bootstrap  # noqa: F401  (repository root first on sys.path)

import argparse
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from core.cli import run_tool
from core.device import add_device_argument, choose_device
from core.errors import TrackingError
from datasets.frame_source import open_frame_source
from tracker.backend_cli import add_backend_arguments, check_backend_arguments
from tracker.overlay import draw_state
from tracker.registry import available, build_tracker, require_trained_all, trained_names

#: the tracker used without --tracker: the best shipped tracker, the IEN DCF tracker (weights/MODEL_CARD.md)
DEFAULT_TRACKER = "dcf_ien"
WINDOW = "ientrack demo"
QUIT_KEYS = (ord("q"), 27)
PAUSE_KEY = ord(" ")
RESELECT_KEY = ord("r")
#: codecs OpenCV's FFmpeg backend writes for each output container
FOURCC_BY_SUFFIX = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}
NO_DISPLAY = "no display available to show the video; run headless with --no-display --output out.mp4 --init x,y,w,h"
# Run in a child process because Qt aborts the whole process (no exception to catch) when it cannot connect.
DISPLAY_PROBE = "import cv2; cv2.namedWindow('probe'); cv2.destroyAllWindows()"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--camera", type=int, metavar="INDEX", help="camera index (default: 0 if no other source)")
    source.add_argument("--video", metavar="FILE", help="video file")
    source.add_argument("--images", metavar="DIR", help="folder of frames, in file-name order")
    parser.add_argument(
        "--tracker", default=DEFAULT_TRACKER,
        help=f"tracker name ({', '.join(available())}; trained: {', '.join(trained_names())}) or a config .yaml "
             f"(default: {DEFAULT_TRACKER})",
    )
    parser.add_argument("--checkpoint", metavar="PATH",
                        help="trained weights for the tracker (overrides a name's shipped weights)")
    parser.add_argument("--random-weights", action="store_true",
                        help="allow a learned tracker without trained weights to run with random ones")
    add_device_argument(parser)
    add_backend_arguments(parser)
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="tracker.KEY=VALUE",
                        help="override a tracker setting, e.g. tracker.rotation.enabled=true (repeatable)")
    parser.add_argument("--init", metavar="x,y,w,h", help="initial box, 0-based pixels (default: draw it)")
    parser.add_argument("--output", metavar="FILE", help="write the annotated video (.mp4, .avi, ...)")
    parser.add_argument("--log", metavar="FILE", help="write index,x,y,w,h,score per frame")
    parser.add_argument("--no-display", action="store_true", help="run without a window (needs --init)")
    args = parser.parse_args(argv)
    check_backend_arguments(args)
    if args.camera is None and args.video is None and args.images is None:
        args.camera = 0
    return args


def parse_box(text: str) -> np.ndarray:
    """``"x,y,w,h"`` -> a float box; anything else is a :class:`TrackingError` showing the expected form."""
    try:
        box = np.array([float(v) for v in text.replace(" ", "").split(",")])
    except ValueError:
        box = np.array([])
    if box.shape != (4,) or not np.isfinite(box).all() or box[2] <= 0 or box[3] <= 0:
        raise TrackingError(f"--init {text!r}: expected x,y,w,h (four numbers, 0-based pixels, w and h > 0)")
    return box


def check_inside(box: np.ndarray, frame_size: tuple) -> None:
    """The initial box must lie within the frame: a box off the picture is almost always coordinates for
    another resolution or a 1-based annotation, better caught than tracked."""
    x, y, w, h = box
    width, height = frame_size
    if x < 0 or y < 0 or x + w > width or y + h > height:
        raise TrackingError(
            f"initial box {x:g},{y:g},{w:g},{h:g} lies outside the {width}x{height} frame "
            f"(expected x >= 0, y >= 0, x + w <= {width}, y + h <= {height})"
        )


def require_display() -> None:
    """Fail with a clear message, before any window call, where no window can be shown."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise TrackingError(f"{NO_DISPLAY} (neither DISPLAY nor WAYLAND_DISPLAY is set)")
        try:
            probe = subprocess.run([sys.executable, "-c", DISPLAY_PROBE], capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            raise TrackingError(f"{NO_DISPLAY} (opening a test window did not finish)") from None
        if probe.returncode != 0:
            reason = (probe.stderr.strip().splitlines() or ["opening a test window failed"])[0]
            raise TrackingError(f"{NO_DISPLAY} ({reason})")


def gui(call, *args):
    """Call an OpenCV window function; a GUI failure becomes the no-display message."""
    try:
        return call(*args)
    except cv2.error as err:
        raise TrackingError(f"{NO_DISPLAY} ({str(err).strip().splitlines()[-1]})") from None


def select_target(frame: np.ndarray):
    """Let the user draw the box; ``None`` when the selection is cancelled."""
    print("draw the target's box with the mouse, then press Enter or Space (c cancels)", file=sys.stderr)
    x, y, w, h = gui(cv2.selectROI, WINDOW, frame, True, False)
    return None if w <= 0 or h <= 0 else np.array([x, y, w, h], dtype=np.float64)


def open_writer(path, fps: float, frame_size: tuple) -> cv2.VideoWriter:
    """A video writer with the input's frame size and rate, the codec chosen by the file suffix."""
    path = Path(path)
    fourcc = FOURCC_BY_SUFFIX.get(path.suffix.lower())
    if fourcc is None:
        raise TrackingError(f"--output {path}: unsupported suffix; use one of {', '.join(FOURCC_BY_SUFFIX)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, frame_size)
    if not writer.isOpened():
        raise TrackingError(f"--output {path}: cannot write a {fourcc} video there (folder not writable?)")
    return writer


def open_log(path):
    try:
        return open(path, "w")
    except OSError as err:
        raise TrackingError(f"--log {path}: cannot write ({err.strerror})") from None


def user_action(frame, state, fps):
    """Handle the keyboard after a frame is shown: ``"quit"``, a new box to re-initialise with, or ``None`` to
    go on. Pausing loops here, redrawing nothing until space, ``r`` or a quit key."""
    paused = False
    key = gui(cv2.waitKey, 1) & 0xFF
    while True:
        if key in QUIT_KEYS or gui(cv2.getWindowProperty, WINDOW, cv2.WND_PROP_VISIBLE) < 1:
            return "quit"
        if key == RESELECT_KEY:
            box = select_target(frame)
            if box is not None:
                return box
            gui(cv2.imshow, WINDOW, draw_state(frame, state, fps, paused))
        elif key == PAUSE_KEY:
            paused = not paused
            gui(cv2.imshow, WINDOW, draw_state(frame, state, fps, paused))
        if not paused:
            return None
        key = gui(cv2.waitKey, 50) & 0xFF


def track_stream(tracker, source, frame, display, writer, log, progress):
    """Track from the already initialised ``frame`` to the end of ``source`` (or until the user quits), drawing,
    writing and logging every frame; returns the smoothed seconds per tracker update (``None`` if none ran)."""
    mean_seconds = None
    while frame is not None:
        state = tracker.state
        fps = 1.0 / mean_seconds if mean_seconds else None
        annotated = draw_state(frame, state, fps)
        if writer is not None:
            writer.write(annotated)
        if log is not None:
            x, y, w, h = state.box
            log.write(f"{source.index},{x:.2f},{y:.2f},{w:.2f},{h:.2f},{state.score:.4f}\n")
        progress.update(1)
        if display:
            gui(cv2.imshow, WINDOW, annotated)
            action = user_action(frame, state, fps)
            if isinstance(action, str):
                break
            if action is not None:
                tracker.init(frame, action)
        frame = source.read()
        if frame is not None:
            start = time.perf_counter()
            tracker.update(frame)
            seconds = time.perf_counter() - start
            mean_seconds = seconds if mean_seconds is None else 0.9 * mean_seconds + 0.1 * seconds
    return mean_seconds


def main(argv=None) -> int:
    args = parse_args(argv)
    display = not args.no_display
    init_box = parse_box(args.init) if args.init is not None else None
    if not display and init_box is None:
        raise TrackingError("--no-display needs --init x,y,w,h (there is no window to draw the box in)")
    [random_weights] = require_trained_all([args.tracker], args.checkpoint, args.random_weights)
    if display:
        require_display()
    tracker = build_tracker(args.tracker, checkpoint=args.checkpoint, device=str(choose_device(args.device)),
                            backend=args.backend, threads=args.threads, overrides=args.overrides)
    if random_weights:
        print(f"warning: {args.tracker} runs with random weights (--random-weights): expect it to lose the target",
              file=sys.stderr)

    with ExitStack() as stack:
        source = stack.enter_context(open_frame_source(args.camera, args.video, args.images))
        frame = source.read()
        if display:
            gui(cv2.namedWindow, WINDOW, cv2.WINDOW_AUTOSIZE)
            stack.callback(cv2.destroyAllWindows)
        if init_box is None:
            init_box = select_target(frame)
            if init_box is None:
                raise TrackingError("no target selected on the first frame; nothing to track")
        check_inside(init_box, source.frame_size)
        writer = open_writer(args.output, source.fps, source.frame_size) if args.output else None
        if writer is not None:
            stack.callback(writer.release)
        log = stack.enter_context(open_log(args.log)) if args.log else None
        progress = stack.enter_context(
            tqdm(total=source.length, unit="frame", desc=source.description, disable=display)
        )

        if not display and writer is None and log is None:
            print("note: with --no-display and neither --output nor --log nothing is saved", file=sys.stderr)
        tracker.init(frame, init_box)
        mean_seconds = track_stream(tracker, source, frame, display, writer, log, progress)
    done = source.index + 1
    speed = f" at {1.0 / mean_seconds:.1f} fps (tracker only)" if mean_seconds else ""
    saved = ", ".join(p for p in (args.output, args.log) if p)
    print(f"tracked {done} frames{speed}" + (f"; wrote {saved}" if saved else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
