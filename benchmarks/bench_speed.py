"""Speed of the shipped trackers and OpenCV's CSRT on the same real frames, on 2 CPU threads by default.

    python benchmarks/bench_speed.py [--trackers siamfc_ien siamfc_base siamfc_rotaug siamfc_ien_hetero csrt]
        [--frames 60] [--threads 2] [--sequence ../shared/data/OTB/Crossing]

A frame is one ``update`` (crops at 3 scales, one batched forward pass, response upsampling, peak search); the
first update after ``init`` warms up and is not timed. Uses the timing loop and frame loader of
benchmarks/bench_tracker_speed.py (which measures the untrained configs). The machine's load average is printed
before and after: on a shared machine every figure here is a lower bound of what an idle 2-core machine does.
"""
import argparse
import os
import sys
from pathlib import Path

import ien_common  # noqa: F401  (repository root on sys.path)
import cv2
import torch
from torch.utils.flop_counter import FlopCounterMode

from bench_tracker_speed import load_frames, time_updates
from core.cli import run_tool
from core.errors import TrackingError
from tracker.registry import build_tracker


def measure(name: str, frames, box) -> tuple:
    """``(fps, flops per frame or None)`` of the registered tracker ``name``."""
    tracker = build_tracker(name)
    tracker.init(frames[0], box)
    flops = None
    if hasattr(tracker, "model"):
        counter = FlopCounterMode(display=False)
        with counter:
            tracker.update(frames[1])
        flops = counter.get_total_flops()
    return time_updates(tracker.update, frames), flops


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trackers", nargs="+",
                        default=list(ien_common.SHIPPED) + [ien_common.HETERO, "csrt"])
    parser.add_argument("--frames", type=int, default=60, help="frames per tracker (init + warm-up + timed)")
    parser.add_argument("--threads", type=int, default=2, help="torch and OpenCV threads")
    parser.add_argument("--sequence", type=Path, default=ien_common.DATA / "OTB" / "Crossing")
    args = parser.parse_args(argv)
    if args.frames < 3:
        raise TrackingError(f"--frames: need at least 3 (init, warm-up, one timed), got {args.frames}")
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    frames, box = load_frames(args.sequence, args.frames)
    h, w = frames[0].shape[:2]
    print(f"{args.sequence.name}: {len(frames) - 2} timed frames of {w}x{h}, {args.threads} threads; "
          f"load average before: {os.getloadavg()[0]:.2f}")
    rows = [(name, *measure(name, frames, box)) for name in args.trackers]
    print(f"{'tracker':<20}{'FPS':>8}{'GFLOPs/frame':>15}")
    for name, fps, flops in rows:
        print(f"{name:<20}{fps:>8.1f}{(f'{flops / 1e9:.3f}' if flops is not None else 'n/a'):>15}")
    print(f"load average after: {os.getloadavg()[0]:.2f} (on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
