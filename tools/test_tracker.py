"""Run a tracker on a benchmark in the official protocol and result format, then score it.

    python tools/test_tracker.py --tracker csrt --dataset OTB100 --root data/OTB100 --workers 2
    python tools/test_tracker.py --tracker siamfc --checkpoint w.safetensors --dataset VOT2018 --root data/VOT2018
    python tools/test_tracker.py --tracker siamfc --dataset GOT10k-test --root data/GOT-10k --zip
    python tools/test_tracker.py --tracker siamfc --dataset OTB100 --root data/OTB100 --rotate 1   # rotated OTB
    python tools/test_tracker.py --builtin            # shipped trackers and CSRT on the built-in benchmark
    python tools/test_tracker.py --builtin --tracker exports/siamfc_ien --backend onnxruntime --threads 2

``--builtin`` needs nothing downloaded: the trackers of ``eval.runners.builtin.BUILTIN_TRACKERS`` (or those named
by ``--tracker``) run one after another on deterministic synthetic sequences with rotation and scale change
(see ``eval/runners/builtin.py``), results under ``results/builtin/`` unless ``--results`` says otherwise, and one
ranked table (success AUC, precision@20, FPS) compares them. Default trackers that are not available (not
registered, or shipped weights missing) are skipped with a warning; names given with ``--tracker`` must exist.

Protocols: one-pass for OTB / TB50 / UAV123 / LaSOT / folder; GOT-10k one-pass repeated 3 times unless the
tracker is deterministic; VOT supervised (restart 5 frames after each failure). Results go to
``<results>/<dataset>[-rot<step>]/<tracker>/`` and the report to
``<results>/reports/<dataset>[-rot<step>]/<tracker>/report.json``; finished sequences are skipped when the command is run again, and
``RANK`` / ``WORLD_SIZE`` (set by ``torchrun``) split the sequences between machines sharing that folder. When
every sequence has results, the evaluation harness scores them (not for GOT-10k test, whose ground truth is
hidden: upload the ``--zip`` archive instead). Exit codes: 0 done, 1 some sequences failed (summary printed),
2 bad input.
"""
import argparse
import sys
from pathlib import Path

import _bootstrap  # noqa: F401

from core.cli import run_tool
from core.errors import TrackingError
from tracker.backend_cli import add_backend_arguments, check_backend_arguments


def parse_args(argv):
    from eval.runners.builtin import BUILTIN_FRAMES, BUILTIN_SEQUENCES, BUILTIN_TRACKERS

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tracker", nargs="+", help="registered tracker name (see tracker.registry) or a .yaml config; "
                   f"with --builtin one or more (default: {' '.join(BUILTIN_TRACKERS)})")
    p.add_argument("--checkpoint", help="model weights (overrides a name's shipped weights)")
    p.add_argument("--device", default="cpu", help="torch device for learned trackers (default: cpu)")
    add_backend_arguments(p)
    p.add_argument("--dataset", help="benchmark name (datasets.benchmarks.BENCHMARK_NAMES) or folder")
    p.add_argument("--root", help="the benchmark's folder")
    p.add_argument("--builtin", action="store_true",
                   help="run on the built-in synthetic benchmark instead of --dataset/--root (nothing to download)")
    p.add_argument("--builtin-sequences", type=int, default=BUILTIN_SEQUENCES, metavar="N",
                   help=f"--builtin: number of sequences (default: {BUILTIN_SEQUENCES})")
    p.add_argument("--builtin-frames", type=int, default=BUILTIN_FRAMES, metavar="N",
                   help=f"--builtin: frames per sequence (default: {BUILTIN_FRAMES})")
    p.add_argument("--sequences", nargs="+", help="run only these sequences")
    p.add_argument("--results", help="results folder (default: results, or results/builtin with --builtin)")
    p.add_argument("--name", help="tracker name for the results folder (default: the tracker's own name)")
    p.add_argument("--workers", type=int, default=1, help="parallel processes (default: 1)")
    p.add_argument("--rotate", type=float, metavar="DEG_PER_FRAME",
                   help="rotated benchmark: frame i turned by i * DEG_PER_FRAME degrees (see eval/rotated.py)")
    p.add_argument("--strict", action="store_true", help="a sequence missing from --root is an error")
    p.add_argument("--zip", action="store_true", help="GOT-10k: also write the zip the evaluation server accepts")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    check_backend_arguments(args)
    if args.workers < 1:
        raise TrackingError(f"--workers {args.workers}: expected 1 or more")
    if args.builtin:
        clashing = [f"--{k}" for k in ("dataset", "root", "sequences", "rotate", "zip", "strict") if getattr(args, k)]
        if clashing:
            raise TrackingError(f"--builtin runs its own benchmark; drop {', '.join(clashing)}")
        if args.builtin_sequences < 1 or args.builtin_frames < 2:
            raise TrackingError("--builtin-sequences: expected 1 or more; --builtin-frames: expected 2 or more")
    else:
        missing = [f"--{k}" for k in ("tracker", "dataset", "root") if not getattr(args, k)]
        if missing:
            raise TrackingError(f"missing {', '.join(missing)} (or use --builtin for the built-in benchmark)")
        if len(args.tracker) > 1:
            raise TrackingError(f"--tracker: one tracker per benchmark run (got {len(args.tracker)}); "
                                "several are compared with --builtin")
    if (args.checkpoint or args.name) and args.tracker and len(args.tracker) > 1:
        raise TrackingError("--checkpoint and --name apply to a single --tracker")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    return run_builtin(args) if args.builtin else run_dataset(args)


def run_dataset(args) -> int:
    """One tracker on one benchmark from ``--root``: run, score, report."""
    from datasets.benchmarks import canonical_name, load_benchmark
    from eval.rotated import rotate_sequence, rotated_dataset_name
    from eval.evaluate import protocol_for
    from eval.report import ranked_table, write_report
    from eval.runners.benchmark import score
    from eval.runners.jobs import TrackerSpec
    from eval.runners.submission import write_got10k_zip

    dataset = canonical_name(args.dataset)
    protocol = protocol_for(dataset)
    if args.zip and protocol != "got10k":
        raise TrackingError(f"--zip is for GOT-10k results, not {args.dataset}")
    if args.rotate is not None and dataset == "GOT10k-test":
        raise TrackingError("--rotate needs the ground truth of every frame; GOT10k-test has only the first")
    sequences = load_benchmark(dataset, args.root, strict=args.strict, sequences=args.sequences)
    if not sequences:
        raise TrackingError(f"{args.root}: no {dataset} sequences found")
    benchmark = dataset
    if args.rotate is not None:
        sequences = [rotate_sequence(s, args.rotate) for s in sequences]
        benchmark = rotated_dataset_name(dataset, args.rotate)

    results = Path(args.results or "results")
    spec = TrackerSpec(args.tracker[0], args.checkpoint, args.device, args.backend, args.threads)
    name, out_dir, status = _run_tracker(spec, spec.build(), dataset, benchmark, sequences, results, args)
    if status != "complete":
        return 1 if status == "failed" else 0
    if args.zip:
        zip_path = write_got10k_zip(out_dir, [s.name for s in sequences], out_dir.with_suffix(".zip"))
        print(f"GOT-10k submission: {zip_path}")
    if dataset == "GOT10k-test":
        print("GOT10k-test ground truth is hidden: upload the --zip archive to the GOT-10k server for scores")
        return 0
    report = score(dataset, sequences, out_dir)
    print(ranked_table({name: report["overall"]}, protocol))
    if "polygon_success_auc" in report["overall"]:
        print(f"rotated boxes (polygon IoU): success AUC {report['overall']['polygon_success_auc']:.3f}")
    report_dir = results / "reports" / benchmark / name
    print(f"report: {write_report(report_dir, benchmark, protocol, {name: report})}")
    return 0


def run_builtin(args) -> int:
    """Several trackers, one after another, on the built-in synthetic benchmark; one ranked table."""
    from eval.report import ranked_table, write_report
    from eval.runners.benchmark import score
    from eval.runners.builtin import (builtin_benchmark_name, builtin_sequences, runnable_trackers,
                                      unavailable_message)
    from eval.runners.jobs import TrackerSpec

    names = args.tracker
    if names is None:
        names, unavailable = runnable_trackers()
        if unavailable:
            print(unavailable_message(unavailable), file=sys.stderr)
        if not names:
            raise TrackingError("none of the built-in trackers is available; name some with --tracker")
    names = list(dict.fromkeys(names))
    specs = [TrackerSpec(n, args.checkpoint, args.device, args.backend, args.threads) for n in names]
    trackers = [spec.build() for spec in specs]  # every name checked before any runs
    sequences = builtin_sequences(args.builtin_sequences, args.builtin_frames)
    benchmark = builtin_benchmark_name(args.builtin_sequences, args.builtin_frames)
    results = Path(args.results or "results/builtin")

    reports, failed = {}, False
    for spec, tracker in zip(specs, trackers):
        name, out_dir, status = _run_tracker(spec, tracker, benchmark, benchmark, sequences, results, args)
        failed |= status == "failed"
        if status == "complete":
            reports[name] = score(benchmark, sequences, out_dir)
    if not reports:
        return 1 if failed else 0
    print(f"\nbuilt-in benchmark {benchmark}: {len(sequences)} synthetic sequences x {args.builtin_frames} frames, "
          "rotation and scale change")
    print(ranked_table({name: report["overall"] for name, report in reports.items()}, "onepass"))
    report_dir = results / "reports" / benchmark
    print(f"report: {write_report(report_dir, benchmark, 'onepass', reports)}")
    return 1 if failed else 0


def _run_tracker(spec, tracker, dataset, benchmark, sequences, results, args) -> tuple:
    """Run one tracker on this shard's unfinished sequences and say how it went: ``(name, out_dir, status)``,
    status ``"failed"`` (summary on stderr), ``"partial"`` (other shards not done yet) or ``"complete"``."""
    from eval.runners.benchmark import make_job
    from eval.runners.execution import execute, shard_from_env

    rank, world = shard_from_env()
    name = args.name or tracker.name
    out_dir = results / benchmark / name
    job = make_job(dataset, spec, out_dir, tracker)
    summary = execute(job, sequences, workers=args.workers, rank=rank, world_size=world,
                      desc=f"{name} on {benchmark}", progress=not args.no_progress)

    shard = f" (shard {rank + 1}/{world})" if world > 1 else ""
    print(f"{name} on {benchmark}{shard}: {len(summary.finished)} sequences run, "
          f"{len(summary.skipped)} already done, {len(summary.failed)} failed; results in {out_dir}")
    if summary.failed:
        for outcome in summary.failed:
            print(f"  failed {outcome.name}: {outcome.error}", file=sys.stderr)
        print(f"{len(summary.failed)} sequence(s) failed; the others' results are kept; rerun to retry them",
              file=sys.stderr)
        return name, out_dir, "failed"
    missing = [s.name for s in sequences if not job.is_done(s)]
    if missing:
        print(f"{len(missing)} sequences of other shards have no results yet; score when they are done")
        return name, out_dir, "partial"
    return name, out_dir, "complete"


if __name__ == "__main__":
    sys.exit(run_tool(main))
