"""Run a tracker on a benchmark in the official protocol and result format, then score it.

    python tools/test_tracker.py --tracker csrt --dataset OTB100 --root data/OTB100 --workers 2
    python tools/test_tracker.py --tracker siamfc_ien --dataset VOT2018 --root data/VOT2018
    python tools/test_tracker.py --tracker configs/x.yaml --checkpoint w.safetensors --dataset OTB100 --root data/OTB100
    python tools/test_tracker.py --tracker siamfc_ien --dataset GOT10k-test --root data/GOT-10k --zip
    python tools/test_tracker.py --tracker siamfc_ien --dataset OTB100 --root data/OTB100 --rotate 1   # rotated OTB
    python tools/test_tracker.py --builtin            # shipped trackers and CSRT on the built-in benchmark
    python tools/test_tracker.py --builtin --tracker exports/siamfc_ien --backend onnxruntime --threads 2

Trained weights: a learned tracker runs only with trained weights, shipped with its name (listed below) or given
with --checkpoint; one without them (siamfc, siamrpnpp, a .yaml config alone) is refused unless
--random-weights opts in, and then the run says so and its results folder is named <tracker>-random.

Tracker settings: --set tracker.KEY=VALUE (repeatable, values read as YAML, as in train_tracker.py) changes the
config's tracker: section, e.g. --set tracker.rotation.enabled=true --set tracker.rotation.method=reencode; the
results folder is then named <tracker>+<settings>. Unknown keys are errors listing the valid ones.

Protocols: one-pass for OTB / TB50 / UAV123 / UAV20L / LaSOT / folder; GOT-10k one-pass repeated 3 times unless
the tracker is deterministic; VOT supervised (restart 5 frames after each failure).

Results: <results>/<dataset>[-rot<step>]/<tracker>/ (default --results: results) in the official formats:
one-pass <Seq>.txt + times/<Seq>_time.txt (+ polygons/<Seq>.txt for rotating trackers); GOT-10k
<seq>/<seq>_001.txt (_002, _003) + <seq>/<seq>_time.txt; VOT baseline/<seq>/<seq>_001.txt (1/2/0 codes). The
report goes to <results>/reports/<dataset>[-rot<step>]/<tracker>/report.json. When every sequence has results
the evaluation harness scores them (not GOT10k-test, whose ground truth is hidden: upload the --zip archive).

Resuming and sharding: finished sequences are skipped when the command runs again; RANK and WORLD_SIZE (set by
torchrun, or by hand on each machine) split the sequences between machines sharing the results folder, and
--workers runs processes in parallel on each.

--builtin needs nothing downloaded: the trackers of eval.runners.builtin.BUILTIN_TRACKERS (or those named by
--tracker) run one after another on deterministic synthetic sequences with rotation and scale change
(eval/runners/builtin.py), results under results/builtin/ unless --results says otherwise, and one ranked table
(success AUC, precision@20, FPS) compares them. Default trackers that are not available (shipped weights
missing) are skipped with a warning; names given with --tracker must exist.

Exit codes: 0 done (or this shard done), 1 some sequences failed (summary printed, the others' results kept),
2 bad input (one line), 130 interrupted.
"""
import argparse
import sys
import textwrap
from pathlib import Path

import _bootstrap  # noqa: F401

from core.cli import run_tool
from core.device import add_device_argument, choose_device
from core.errors import TrackingError
from tracker.backend_cli import add_backend_arguments, check_backend_arguments
from tracker.registry import RANDOM_SUFFIX, require_trained_all


def parse_args(argv):
    from eval.runners.builtin import BUILTIN_FRAMES, BUILTIN_SEQUENCES, BUILTIN_TRACKERS

    p = argparse.ArgumentParser(description=__doc__, epilog=names_epilog(),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tracker", nargs="+", metavar="NAME_OR_CONFIG",
                   help="registered tracker name (listed below) or a .yaml config; "
                   f"with --builtin one or more (default: {' '.join(BUILTIN_TRACKERS)})")
    p.add_argument("--checkpoint", metavar="PATH", help="trained weights (.safetensors) for the tracker; "
                   "overrides a name's shipped weights")
    p.add_argument("--random-weights", action="store_true",
                   help="allow a learned tracker without trained weights to run with random ones (its results "
                   f"folder gets the suffix {RANDOM_SUFFIX}); refused otherwise")
    add_device_argument(p)
    add_backend_arguments(p)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="tracker.KEY=VALUE",
                   help="override a tracker setting, e.g. tracker.rotation.enabled=true (repeatable; the results "
                   "folder is named <tracker>+<settings>)")
    p.add_argument("--dataset", help="benchmark name (listed below); folder is any sequences in OTB layout")
    p.add_argument("--root", metavar="DIR", help="the benchmark's folder")
    p.add_argument("--builtin", action="store_true",
                   help="run on the built-in synthetic benchmark instead of --dataset/--root (nothing to download)")
    p.add_argument("--builtin-sequences", type=int, default=BUILTIN_SEQUENCES, metavar="N",
                   help=f"--builtin: number of sequences (default: {BUILTIN_SEQUENCES})")
    p.add_argument("--builtin-frames", type=int, default=BUILTIN_FRAMES, metavar="N",
                   help=f"--builtin: frames per sequence (default: {BUILTIN_FRAMES})")
    p.add_argument("--sequences", nargs="+", help="run only these sequences")
    p.add_argument("--results", metavar="DIR",
                   help="results folder (default: results, or results/builtin with --builtin)")
    p.add_argument("--name", help="tracker name for the results folder (default: the tracker's own name)")
    p.add_argument("--workers", type=int, default=1, help="parallel processes on this machine (default: 1)")
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
    args.device = str(choose_device(args.device))
    return args


def names_epilog() -> str:
    """The valid tracker and dataset names, trained trackers marked, for the end of ``--help``."""
    from datasets.benchmarks import BENCHMARK_NAMES
    from tracker.registry import available, weights_kind

    kinds = {"trained": "trained", "random": "untrained", "none": "OpenCV"}
    trackers = ", ".join(f"{name} ({kinds[weights_kind(name)]})" for name in available())
    return "\n".join(textwrap.fill(text, 110, subsequent_indent="  ")
                     for text in (f"trackers: {trackers}", f"datasets: {', '.join(BENCHMARK_NAMES)}"))


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

    [random_weights] = require_trained_all(args.tracker, args.checkpoint, args.random_weights)
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
    spec = TrackerSpec(args.tracker[0], args.checkpoint, args.device, args.backend, args.threads,
                       tuple(args.overrides))
    name, out_dir, status = _run_tracker(spec, spec.build(), random_weights, dataset, benchmark, sequences,
                                         results, args)
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
    random_weights = require_trained_all(names, args.checkpoint, args.random_weights)
    specs = [TrackerSpec(n, args.checkpoint, args.device, args.backend, args.threads, tuple(args.overrides))
             for n in names]
    trackers = [spec.build() for spec in specs]  # every name checked before any runs
    sequences = builtin_sequences(args.builtin_sequences, args.builtin_frames)
    benchmark = builtin_benchmark_name(args.builtin_sequences, args.builtin_frames)
    results = Path(args.results or "results/builtin")

    reports, failed = {}, False
    for spec, tracker, random in zip(specs, trackers, random_weights):
        name, out_dir, status = _run_tracker(spec, tracker, random, benchmark, benchmark, sequences, results, args)
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


def _run_tracker(spec, tracker, random_weights, dataset, benchmark, sequences, results, args) -> tuple:
    """Run one tracker on this shard's unfinished sequences and say how it went: ``(name, out_dir, status)``,
    status ``"failed"`` (summary on stderr), ``"partial"`` (other shards not done yet) or ``"complete"``. A
    tracker with ``random_weights`` is named ``<name>-random``, so its results never pass for a trained one's."""
    from eval.runners.benchmark import make_job
    from eval.runners.execution import execute, shard_from_env

    rank, world = shard_from_env()
    name = args.name or tracker.name
    if random_weights:
        name += RANDOM_SUFFIX
        print(f"warning: {spec.spec} runs with random weights (--random-weights): its results measure an "
              f"untrained network; they go to {results / benchmark / name}", file=sys.stderr)
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
