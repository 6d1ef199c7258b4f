"""Evaluate tracker results on a benchmark: ranked table, report.json and success/precision plots.

    python tools/eval_tracker.py --dataset OTB100 --anno ../shared/data/OTB100/OTB100.json \
        --results ../shared/data/OTB100/results --report-dir reports/otb100

``--anno`` is the dataset root or a pysot-toolkit JSON file. Protocols follow the dataset name: one-pass
(OTB*, TB50, UAV123, UAV20L, folder), LaSOT (one-pass plus the LaSOT normalised-precision AUC), GOT-10k
(AO/SR; GOT10k-val), VOT20xx (supervised: accuracy, robustness, EAO).
"""
import argparse
import sys
import warnings
from pathlib import Path

import _bootstrap  # noqa: F401

from core.cli import run_tool
from core.errors import TrackingError
from eval.evaluate import evaluate_tracker, protocol_for
from eval.report import got10k_plot, onepass_plots, ranked_table, write_report


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", required=True, help="benchmark name, e.g. OTB100, LaSOT, GOT10k-val, VOT2018")
    p.add_argument("--anno", required=True, help="dataset root folder or pysot-toolkit JSON file")
    p.add_argument("--results", required=True, help="folder holding one sub-folder per tracker")
    p.add_argument("--trackers", nargs="+", help="tracker folders to evaluate (default: all)")
    p.add_argument("--report-dir", help="where report.json and the plots go (default: no files)")
    p.add_argument("--first-frame-gt", action="store_true",
                   help="replace each first predicted box by the ground truth (got10k habit)")
    p.add_argument("--pad-missing", action="store_true",
                   help="count frames missing at the end of a result file as failures (warns per file)")
    p.add_argument("--strict", action="store_true", help="sequences missing from --anno are an error")
    return p.parse_args(argv)


def check_dataset(dataset: str) -> str:
    """The benchmark's canonical name; an unknown name (even with a JSON ``--anno``, which does not need it to
    load) or GOT-10k test (whose ground truth is hidden) is an error before any file is read."""
    from datasets.benchmarks import canonical_name
    name = canonical_name(dataset)
    if name == "GOT10k-test":
        raise TrackingError("GOT10k-test: the ground truth is hidden, so it cannot be scored here; submit the "
                            "results zip (tools/test_tracker.py --zip) to the GOT-10k server")
    return name


def load_sequences(dataset: str, anno: str, strict: bool):
    path = Path(anno)
    if not path.exists():
        raise TrackingError(f"{anno}: annotation path not found")
    if path.suffix.lower() == ".json":
        from datasets.pysot_json import load_pysot_json
        return load_pysot_json(path)
    if not path.is_dir():
        raise TrackingError(f"{anno}: expected the dataset's root folder or a pysot-toolkit .json file")
    from datasets.benchmarks import load_benchmark
    return load_benchmark(dataset, path, strict=strict)


def main(argv=None) -> int:
    args = parse_args(argv)
    results_root = Path(args.results)
    if not results_root.is_dir():
        raise TrackingError(f"{results_root}: results folder not found")
    trackers = args.trackers or sorted(p.name for p in results_root.iterdir() if p.is_dir())
    if not trackers:
        raise TrackingError(f"{results_root}: no tracker folders")
    check_dataset(args.dataset)
    protocol = protocol_for(args.dataset)
    report = {}
    with warnings.catch_warnings():
        warnings.simplefilter("always", UserWarning)
        warnings.showwarning = lambda msg, *a, **k: print(f"warning: {msg}", file=sys.stderr)
        sequences = load_sequences(args.dataset, args.anno, args.strict)
        for name in trackers:
            if not (results_root / name).is_dir():
                raise TrackingError(f"{results_root / name}: no such tracker folder")
            report[name] = evaluate_tracker(args.dataset, sequences, results_root / name,
                                            first_frame_gt=args.first_frame_gt, pad_missing=args.pad_missing)
    overall = {n: r["overall"] for n, r in report.items()}
    print(f"{args.dataset}: {len(sequences)} sequences, {len(trackers)} trackers")
    print(ranked_table(overall, protocol))
    if args.report_dir:
        path = write_report(args.report_dir, args.dataset, protocol, report)
        plots = []
        if protocol in ("onepass", "lasot"):
            plots = onepass_plots(args.report_dir, args.dataset, overall)
        elif protocol == "got10k":
            plots = got10k_plot(args.report_dir, args.dataset, overall)
        print(f"wrote {path}" + "".join(f", {p}" for p in plots))
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
