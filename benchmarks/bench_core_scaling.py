"""Does the second core add compute? Throughput of one workload alone, as two processes at once, and (onnxruntime)
as one process with two intra-op threads.

    python benchmarks/bench_core_scaling.py [--tracker siamfc_ien] [--seconds 5] [--exports DIR]

Why: issue 15 asks for onnxruntime to be 1.5x faster than PyTorch on 2 threads, and onnxruntime runs the networks
at about the machine's quoted 2-core peak on ONE thread while its second thread adds nothing. Whether that is
onnxruntime's threading or the machine (two virtual CPUs that share one physical core's vector units) decides
what can be done about it. Two single-threaded processes that share nothing but the hardware answer it: with two
real cores each keeps its solo throughput (total ~2x); with shared vector units the total stays ~1x.

Workloads: ``matmul`` (NumPy float32 1024 x 1024 matrix products, single-threaded BLAS: a pure FMA load, GFLOP/s
given) and ``onnx`` (the tracker's exported search network, onnxruntime CPU, ``intra_op_num_threads`` 1 or 2).
Run on an idle machine (no training, load average < 0.5); the result is printed as a table.
"""
import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import _bootstrap  # noqa: F401,E402  (the repository root first on sys.path)

from core.cli import run_tool  # noqa: E402
from core.errors import TrackingError  # noqa: E402

MATMUL_N = 1024
SINGLE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def _matmul_worker(seconds: float, start, results, _threads) -> None:
    import numpy as np

    a = np.random.default_rng(0).standard_normal((MATMUL_N, MATMUL_N), dtype=np.float32)
    a @ a  # warm-up
    start.wait()
    count, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ a
        count += 1
    results.put((count, time.perf_counter() - t0))


def _onnx_worker(seconds: float, start, results, threads, model_path: str, shape) -> None:
    import numpy as np
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    first = session.get_inputs()[0]
    dtype = np.uint8 if first.type == "tensor(uint8)" else np.float32  # crops go in as bytes or floats
    feed = {first.name: np.random.default_rng(0).uniform(0, 255, shape).astype(dtype)}
    for _ in range(3):  # warm-up
        session.run(None, feed)
    start.wait()
    count, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        session.run(None, feed)
        count += 1
    results.put((count, time.perf_counter() - t0))


def measure(worker, args: tuple, processes: int, threads: int, seconds: float) -> list:
    """Per-process runs per second with ``processes`` copies of ``worker`` started together (spawned, so each
    has its own thread pools; single-threaded BLAS/OpenMP in every process)."""
    ctx = mp.get_context("spawn")
    start, results = ctx.Barrier(processes), ctx.Queue()
    old = {k: os.environ.get(k) for k in SINGLE_THREAD}
    os.environ.update(SINGLE_THREAD)
    try:
        procs = [ctx.Process(target=worker, args=(seconds, start, results, threads) + args) for _ in range(processes)]
        for p in procs:
            p.start()
        # a worker that fails prints its traceback and never reports: give up instead of waiting forever
        rates = [count / elapsed for count, elapsed in (results.get(timeout=seconds + 120) for _ in procs)]
        for p in procs:
            p.join()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return rates


def export_search_part(tracker_name: str, exports: Path):
    """The tracker's exported search network (exported once into ``exports``) and its input shape."""
    import json

    from tracker.onnx_export import export_tracker
    from tracker.onnx_network import is_export
    from tracker.registry import build_tracker

    folder = exports / tracker_name
    if not is_export(folder):
        tracker = build_tracker(tracker_name)
        export_tracker(tracker, folder, {"tracker": tracker_name})
    manifest = json.loads((folder / "tracker.json").read_text())
    spec = manifest["parts"]["search"]
    return str(folder / spec["file"]), tuple(spec["inputs"][0]["shape"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tracker", default="siamfc_ien", help="tracker whose exported search network is timed")
    parser.add_argument("--seconds", type=float, default=5.0, help="timed seconds per configuration")
    parser.add_argument("--exports", type=Path, default=None, help="folder for the export (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.seconds <= 0:
        raise TrackingError("--seconds must be > 0")
    with tempfile.TemporaryDirectory() as tmp:
        model_path, shape = export_search_part(args.tracker, args.exports or Path(tmp))
        rows = []
        for label, worker, extra, unit in (("matmul", _matmul_worker, (), 2 * MATMUL_N ** 3 / 1e9),
                                           (f"onnx {args.tracker} search", _onnx_worker, (model_path, shape), None)):
            solo = measure(worker, extra, 1, 1, args.seconds)[0]
            pair = measure(worker, extra, 2, 1, args.seconds)
            rows.append((label, "1 process, 1 thread", [solo], solo, unit))
            rows.append((label, "2 processes, 1 thread each", pair, solo, unit))
            if worker is _onnx_worker:
                rows.append((label, "1 process, 2 intra-op threads", measure(worker, extra, 1, 2, args.seconds),
                             solo, unit))
    print(f"cores seen: {os.cpu_count()}; {args.seconds:g} s per configuration")
    print("| workload | configuration | runs/s per process | total runs/s | total / solo | GFLOP/s total |")
    print("|---|---|---|---|---|---|")
    for label, config, rates, solo, unit in rows:
        total = sum(rates)
        gflops = f"{total * unit:.0f}" if unit else ""
        print(f"| {label} | {config} | {' / '.join(f'{r:.1f}' for r in rates)} | {total:.1f} | {total / solo:.2f}x "
              f"| {gflops} |")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
