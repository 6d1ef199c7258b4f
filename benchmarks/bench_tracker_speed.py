"""Tracking speed on this machine: trackers on the same real frames, with each learned tracker's network run by
PyTorch and by onnxruntime, at several thread counts; the network's time and the whole frame's time separately,
the network's GFLOP/s beside the cores' peak, and where the time outside the network goes.

    python benchmarks/bench_tracker_speed.py [--trackers NAME_OR_CONFIG ...] [--backends torch onnxruntime]
        [--threads 1 2] [--frames 20] [--sequence ../shared/data/OTB/Crossing] [--peak-gflops 380]
    python benchmarks/bench_tracker_speed.py --trackers siamfc_ien csrt --frames 60

Default: the untrained architecture configs (randomly initialised; speed does not depend on the weights) and
CSRT; the weights column says which trackers ran with random weights. A frame is one ``update`` (crops, network, post-processing); the first update after
``init`` is a warm-up and not timed. FLOPs are counted on the PyTorch network (torch.utils.flop_counter); the
ONNX graphs are the same computation. The onnxruntime backend exports the network once per tracker (not timed)
and runs it with ``intra_op_num_threads`` = the thread count; PyTorch and OpenCV get ``set_num_threads``. The
breakdown comes from a separate profiled pass (benchmarks/tracker_timing.py). The machine's load average is
printed before and after: on a shared machine every figure is a lower bound of what an idle machine does.
"""
import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import _bootstrap  # noqa: F401,E402  (the repository root first on sys.path)

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from tracker_timing import CATEGORIES, profile_frames, time_frames  # noqa: E402  (benchmarks/, the script's folder)
from core.cli import run_tool  # noqa: E402
from core.errors import TrackingError  # noqa: E402
from tracker.registry import build_tracker, weights_kind  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
#: the weights column: speed does not depend on the weights, but a random network's figures must say so
WEIGHTS = {"trained": "trained", "random": "random weights", "none": "none (OpenCV)"}
DEFAULT_TRACKERS = ("configs/siamfc_alexnet.yaml", "configs/siamrpnpp_resnet18.yaml",
                    "configs/siamrpnpp_resnet50.yaml", "csrt")
#: what 2 cores of the development machine can do in float32 FMA: 2 x 190. The issue's "2 cores peak near 190" is
#: one core's: one onnxruntime thread runs siamfc_ien at 176 GFLOP/s, and a second thread or process doubles the
#: throughput (benchmarks/bench_core_scaling.py: 2.00x), so the cores are real and each near 190
PEAK_GFLOPS = 380.0


def load_frames(sequence: Path, count: int):
    """The first ``count`` frames of an OTB-layout sequence and its first box (0-based)."""
    paths = sorted((sequence / "img").glob("*.jpg"))[:count]
    gt = sequence / "groundtruth_rect.txt"
    if not paths or not gt.is_file():
        raise TrackingError(f"{sequence}: expected an OTB sequence (img/*.jpg and groundtruth_rect.txt)")
    box = np.array([float(v) for v in gt.read_text().splitlines()[0].replace(",", " ").split()])
    box[:2] -= 1  # OTB files are 1-based
    return [cv2.imread(str(p)) for p in paths], box


def network_flops(tracker, frames, box):
    """FLOPs of one frame's network calls (None for trackers without a PyTorch network)."""
    if getattr(tracker, "model", None) is None:
        return None
    tracker.init(frames[0], box)
    counter = FlopCounterMode(display=False)
    with counter:
        tracker.update(frames[1])
    return counter.get_total_flops()


def measure(tracker, frames, box, threads: int) -> dict:
    """Timed pass and profiled pass of one tracker at ``threads`` threads (init and warm-up untimed)."""
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    tracker.init(frames[0], box)
    tracker.update(frames[1])
    frame_s, net_s = time_frames(tracker, frames[2:])
    tracker.init(frames[0], box)
    tracker.update(frames[1])
    return {"frame": frame_s, "network": net_s, "parts": profile_frames(tracker, frames[2:])}


def variants(spec: str, backends, threads, export_root: Path, overrides=()):
    """``(backend, threads, tracker)`` for every combination a tracker has (trackers without a network: one
    backend, shown as ``-``)."""
    torch_tracker = build_tracker(spec, overrides=overrides)
    if getattr(torch_tracker, "model", None) is None:
        return [("-", t, torch_tracker) for t in threads]
    out = []
    for backend in backends:
        for t in threads:
            if backend == "torch":
                out.append((backend, t, build_tracker(spec, overrides=overrides)))
            else:
                out.append((backend, t, _onnx_tracker(torch_tracker, export_root, t)))
    return out


def _onnx_tracker(torch_tracker, export_root: Path, threads: int):
    from tracker.onnx_export import export_tracker
    from tracker.onnx_network import is_export, load_onnx_tracker

    folder = export_root / torch_tracker.name
    if not is_export(folder):
        export_tracker(torch_tracker, folder, {"tracker": torch_tracker.name})
    return load_onnx_tracker(folder, threads=threads)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trackers", nargs="+", default=list(DEFAULT_TRACKERS), metavar="NAME[@KEY=VALUE,...]",
                        help="registered names or configs (relative to the repository root), optionally with "
                             "tracker settings, e.g. dcf_ien@rotation.enabled=true")
    parser.add_argument("--backends", nargs="+", choices=("torch", "onnxruntime"), default=["torch"],
                        help="what runs the learned trackers' networks (both: the same frames through each)")
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2], help="thread counts to measure")
    parser.add_argument("--frames", type=int, default=20, help="frames per tracker (init + warm-up + timed)")
    parser.add_argument("--sequence", type=Path, default=REPO.parent / "shared" / "data" / "OTB" / "Crossing",
                        help="an OTB-layout sequence folder (default: ../shared/data/OTB/Crossing)")
    parser.add_argument("--peak-gflops", type=float, default=PEAK_GFLOPS,
                        help=f"the cores' peak GFLOP/s the network's rate is compared with (default {PEAK_GFLOPS:g})")
    args = parser.parse_args(argv)
    if args.frames < 3:
        raise TrackingError(f"--frames: need at least 3 (init, warm-up, one timed), got {args.frames}")
    if min(args.threads) < 1:
        raise TrackingError("--threads: expected counts of 1 or more")
    frames, box = load_frames(args.sequence, args.frames)
    h, w = frames[0].shape[:2]
    print(f"{args.sequence.name}: {len(frames) - 2} timed frames of {w}x{h} (torch {torch.__version__}, OpenCV "
          f"{cv2.__version__}); load average before: {os.getloadavg()[0]:.2f}")
    rows = []
    with tempfile.TemporaryDirectory() as exports:
        for text in args.trackers:
            spec, _, settings = text.partition("@")
            overrides = tuple(f"tracker.{kv.strip()}" for kv in settings.split(",") if kv.strip())
            spec = str(REPO / spec) if spec.endswith((".yaml", ".yml")) else spec
            flops = network_flops(build_tracker(spec, overrides=overrides), frames, box)
            label = Path(spec).stem + (f"+{settings}" if settings else "")
            for backend, threads, tracker in variants(spec, args.backends, args.threads, Path(exports), overrides):
                rows.append((label, WEIGHTS[weights_kind(spec)], backend, threads, flops,
                             measure(tracker, frames, box, threads)))
    print_table(rows, args.peak_gflops)
    print(f"load average after: {os.getloadavg()[0]:.2f} (on {os.cpu_count()} cores)")
    return 0


def print_table(rows, peak: float) -> None:
    outside = [c for c in CATEGORIES if c != "network"] + ["other"]
    print(f"{'tracker':<36}{'backend':<13}{'thr':>4}{'FPS':>7}{'frame ms':>10}{'net ms':>8}{'GFLOP':>7}"
          f"{'GFLOP/s':>9}{'of peak':>8}  weights; outside the network, ms/frame: " + ", ".join(outside))
    for name, weights, backend, threads, flops, m in rows:
        net = m["network"]
        rate = flops / net / 1e9 if flops and net else None
        cells = [f"{m['frame'] * 1e3:>10.1f}", f"{net * 1e3:>8.1f}" if net else f"{'-':>8}",
                 f"{flops / 1e9:>7.2f}" if flops else f"{'-':>7}", f"{rate:>9.1f}" if rate else f"{'-':>9}",
                 f"{rate / peak:>8.0%}" if rate else f"{'-':>8}"]
        parts = ", ".join(f"{m['parts'][c] * 1e3:.1f}" for c in outside)
        print(f"{name:<36}{backend:<13}{threads:>4}{1 / m['frame']:>7.1f}" + "".join(cells) + f"  {weights}; {parts}")


if __name__ == "__main__":
    sys.exit(run_tool(main))
