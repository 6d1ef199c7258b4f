"""Tracking speed on this machine: frames per second of every shipped tracker config and of OpenCV's CSRT on the
same real frames, with the network FLOPs per frame (torch.utils.flop_counter) for the Siamese trackers.

Networks are randomly initialised (speed does not depend on the weights); a frame is one ``update`` (crops,
forward pass, post-processing), the first update after ``init`` is a warm-up and not timed.

    python benchmarks/bench_tracker_speed.py [--frames 20] [--threads 2] [--sequence ../shared/data/OTB/Crossing]
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import _bootstrap  # noqa: F401,E402  (the repository root first on sys.path)

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402
from tqdm import tqdm  # noqa: E402

from core.cli import run_tool  # noqa: E402
from core.errors import TrackingError  # noqa: E402
from tracker.builder import build_from_config  # noqa: E402
from tracker.registry import build_tracker  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CONFIGS = ("configs/siamfc_alexnet.yaml", "configs/siamrpnpp_resnet18.yaml", "configs/siamrpnpp_resnet50.yaml")


def load_frames(sequence: Path, count: int):
    """The first ``count`` frames of an OTB-layout sequence and its first box (0-based)."""
    paths = sorted((sequence / "img").glob("*.jpg"))[:count]
    gt = sequence / "groundtruth_rect.txt"
    if not paths or not gt.is_file():
        raise TrackingError(f"{sequence}: expected an OTB sequence (img/*.jpg and groundtruth_rect.txt)")
    box = np.array([float(v) for v in gt.read_text().splitlines()[0].replace(",", " ").split()])
    box[:2] -= 1  # OTB files are 1-based
    return [cv2.imread(str(p)) for p in paths], box


def time_updates(update, frames) -> float:
    """Frames per second of ``update`` over ``frames[2:]`` (frame 1 warms up)."""
    update(frames[1])
    start = time.perf_counter()
    for frame in tqdm(frames[2:], leave=False):
        update(frame)
    return (len(frames) - 2) / (time.perf_counter() - start)


def siamese_row(config: str, frames, box):
    tracker = build_from_config(REPO / config)
    tracker.init(frames[0], box)
    counter = FlopCounterMode(display=False)
    with counter:
        tracker.update(frames[1])
    return time_updates(tracker.update, frames), counter.get_total_flops()


def csrt_row(frames, box):
    tracker = build_tracker("csrt")  # OpenCV's CSRT behind the same interface
    tracker.init(frames[0], box)
    return time_updates(tracker.update, frames), None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20, help="frames per tracker (init + warm-up + timed)")
    parser.add_argument("--threads", type=int, default=2, help="torch and OpenCV threads")
    parser.add_argument("--sequence", type=Path, default=REPO.parent / "shared" / "data" / "OTB" / "Crossing")
    parser.add_argument("--configs", nargs="*", default=list(CONFIGS), help="tracker configs to measure")
    args = parser.parse_args(argv)
    if args.frames < 3:
        raise TrackingError(f"--frames: need at least 3 (init, warm-up, one timed), got {args.frames}")
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    frames, box = load_frames(args.sequence, args.frames)
    h, w = frames[0].shape[:2]
    print(f"{args.sequence.name}: {len(frames) - 2} timed frames of {w}x{h}, {args.threads} threads "
          f"(torch {torch.__version__}, OpenCV {cv2.__version__})")
    rows = [(Path(c).stem, *siamese_row(c, frames, box)) for c in args.configs]
    rows.append(("csrt (OpenCV)", *csrt_row(frames, box)))
    print(f"{'tracker':<22}{'FPS':>8}{'GFLOPs/frame':>15}")
    for name, fps, flops in rows:
        gflops = f"{flops / 1e9:.2f}" if flops is not None else "n/a"
        print(f"{name:<22}{fps:>8.1f}{gflops:>15}")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
