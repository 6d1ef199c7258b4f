"""Run a tracker on a benchmark in the official protocol and result format, then score it.

    python tools/test_tracker.py --tracker csrt --dataset OTB100 --root data/OTB100 --workers 2
    python tools/test_tracker.py --tracker siamfc --checkpoint w.safetensors --dataset VOT2018 --root data/VOT2018
    python tools/test_tracker.py --tracker siamfc --dataset GOT10k-test --root data/GOT-10k --zip
    python tools/test_tracker.py --tracker siamfc --dataset OTB100 --root data/OTB100 --rotate 1   # rotated OTB

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


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tracker", required=True, help="registered tracker name (see tracker.registry) or a .yaml config")
    p.add_argument("--checkpoint", help="model weights (overrides a name's shipped weights)")
    p.add_argument("--device", default="cpu", help="torch device for learned trackers (default: cpu)")
    p.add_argument("--dataset", required=True, help="benchmark name (datasets.benchmarks.BENCHMARK_NAMES) or folder")
    p.add_argument("--root", required=True, help="the benchmark's folder")
    p.add_argument("--sequences", nargs="+", help="run only these sequences")
    p.add_argument("--results", default="results", help="results folder (default: results)")
    p.add_argument("--name", help="tracker name for the results folder (default: the tracker's own name)")
    p.add_argument("--workers", type=int, default=1, help="parallel processes (default: 1)")
    p.add_argument("--rotate", type=float, metavar="DEG_PER_FRAME",
                   help="rotated benchmark: frame i turned by i * DEG_PER_FRAME degrees (see eval/rotated.py)")
    p.add_argument("--strict", action="store_true", help="a sequence missing from --root is an error")
    p.add_argument("--zip", action="store_true", help="GOT-10k: also write the zip the evaluation server accepts")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    if args.workers < 1:
        raise TrackingError(f"--workers {args.workers}: expected 1 or more")
    return args


def main(argv=None) -> int:
    from datasets.benchmarks import canonical_name, load_benchmark
    from eval.rotated import rotate_sequence, rotated_dataset_name
    from eval.evaluate import protocol_for
    from eval.report import ranked_table, write_report
    from eval.runners.benchmark import make_job, score
    from eval.runners.execution import execute, shard_from_env
    from eval.runners.jobs import TrackerSpec
    from eval.runners.submission import write_got10k_zip

    args = parse_args(argv)
    dataset = canonical_name(args.dataset)
    protocol = protocol_for(dataset)
    if args.zip and protocol != "got10k":
        raise TrackingError(f"--zip is for GOT-10k results, not {args.dataset}")
    if args.rotate is not None and dataset == "GOT10k-test":
        raise TrackingError("--rotate needs the ground truth of every frame; GOT10k-test has only the first")
    rank, world = shard_from_env()
    sequences = load_benchmark(dataset, args.root, strict=args.strict, sequences=args.sequences)
    if not sequences:
        raise TrackingError(f"{args.root}: no {dataset} sequences found")
    benchmark = dataset
    if args.rotate is not None:
        sequences = [rotate_sequence(s, args.rotate) for s in sequences]
        benchmark = rotated_dataset_name(dataset, args.rotate)

    spec = TrackerSpec(args.tracker, args.checkpoint, args.device)
    tracker = spec.build()
    name = args.name or tracker.name
    out_dir = Path(args.results) / benchmark / name
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
        return 1
    missing = [s.name for s in sequences if not job.is_done(s)]
    if missing:
        print(f"{len(missing)} sequences of other shards have no results yet; score when they are done")
        return 0
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
    report_dir = Path(args.results) / "reports" / benchmark / name
    print(f"report: {write_report(report_dir, benchmark, protocol, {name: report})}")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
