"""Tracking speed on this machine: frames per second of trackers on the same real frames, with the network FLOPs
per frame (torch.utils.flop_counter) for the Siamese ones, beside OpenCV's CSRT.

    python benchmarks/bench_tracker_speed.py [--trackers NAME_OR_CONFIG ...] [--frames 20] [--threads 2]
        [--sequence ../shared/data/OTB/Crossing]
    python benchmarks/bench_tracker_speed.py --trackers siamfc_ien siamfc_base siamfc_rotaug siamfc_ien_hetero csrt --frames 60

Default: the untrained architecture configs (randomly initialised; speed does not depend on the weights) and
CSRT; the table's weights column says which trackers ran with random weights. A frame is one ``update`` (crops, forward pass, post-processing); the first update after ``init`` is a
warm-up and not timed. The machine's load average is printed before and after: on a shared machine every figure
is a lower bound of what an idle machine does.
"""
import argparse
import os
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
from tracker.registry import build_tracker, weights_kind  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
#: the weights column: speed does not depend on the weights, but a random network's figures must say so
WEIGHTS = {"trained": "trained", "random": "random weights", "none": "none (OpenCV)"}
DEFAULT_TRACKERS = ("configs/siamfc_alexnet.yaml", "configs/siamrpnpp_resnet18.yaml",
                    "configs/siamrpnpp_resnet50.yaml", "csrt")


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


def resolve(spec: str) -> str:
    """A registered name as it is; a config path relative to the repository root made absolute."""
    return str(REPO / spec) if spec.endswith((".yaml", ".yml")) else spec


def measure(spec: str, frames, box) -> tuple:
    """``(fps, network FLOPs per frame or None)`` of a registered tracker name or a config file."""
    tracker = build_tracker(resolve(spec))
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
    parser.add_argument("--trackers", nargs="+", default=list(DEFAULT_TRACKERS),
                        help="registered names or configs (relative to the repository root)")
    parser.add_argument("--frames", type=int, default=20, help="frames per tracker (init + warm-up + timed)")
    parser.add_argument("--threads", type=int, default=2, help="torch and OpenCV threads")
    parser.add_argument("--sequence", type=Path, default=REPO.parent / "shared" / "data" / "OTB" / "Crossing",
                        help="an OTB-layout sequence folder (default: ../shared/data/OTB/Crossing)")
    args = parser.parse_args(argv)
    if args.frames < 3:
        raise TrackingError(f"--frames: need at least 3 (init, warm-up, one timed), got {args.frames}")
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    frames, box = load_frames(args.sequence, args.frames)
    h, w = frames[0].shape[:2]
    print(f"{args.sequence.name}: {len(frames) - 2} timed frames of {w}x{h}, {args.threads} threads "
          f"(torch {torch.__version__}, OpenCV {cv2.__version__}); load average before: {os.getloadavg()[0]:.2f}")
    rows = [(Path(spec).stem, WEIGHTS[weights_kind(resolve(spec))], *measure(spec, frames, box))
            for spec in args.trackers]
    print(f"{'tracker':<22}{'FPS':>8}{'GFLOPs/frame':>15}  weights")
    for name, weights, fps, flops in rows:
        gflops = f"{flops / 1e9:.3f}" if flops is not None else "n/a"
        print(f"{name:<22}{fps:>8.1f}{gflops:>15}  {weights}")
    print(f"load average after: {os.getloadavg()[0]:.2f} (on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
