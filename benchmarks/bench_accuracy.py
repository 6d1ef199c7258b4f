"""Accuracy on real video: the shipped trackers and OpenCV's CSRT on issue 9's validation split, unrotated.

    python benchmarks/bench_accuracy.py [--trackers siamfc_ien siamfc_base siamfc_rotaug csrt] [--workers 2]
        [--results results/ien_benchmarks]

One-pass protocol from the first frame's box (VOT polygons scored on their axis-aligned boxes), scored by the
evaluation harness: success AUC (mean of the success curve over 21 IoU thresholds, as OTB/got10k) and precision
at 20 px. Results are cached under ``--results`` (the runner's format), so a rerun only scores. FPS here is the
trackers' own time per frame while the machine was shared; benchmarks/bench_tracker_speed.py measures speed cleanly.
"""
import argparse
import sys

import ien_common

from core.cli import run_tool

COLUMNS = (("success_auc", "AUC", ".3f"), ("precision_20", "prec@20", ".3f"), ("fps", "FPS (shared)", ".1f"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trackers", nargs="+", metavar="NAME|LABEL=NAME:WEIGHTS",
                        default=list(ien_common.SHIPPED) + ["csrt"],
                        help="registered trackers, or LABEL=NAME:WEIGHTS for other weights of a registered network")
    parser.add_argument("--workers", type=int, default=2, help="sequences tracked in parallel (1 thread each)")
    parser.add_argument("--results", default=str(ien_common.REPO / "results" / "ien_benchmarks"),
                        help="where tracking results are cached (default: results/ien_benchmarks)")
    args = parser.parse_args(argv)
    sequences = ien_common.validation_sequences()
    rows = {ien_common.parse_variant(name)[0]:
            ien_common.onepass_scores(name, sequences, "validation", args.results, args.workers)
            for name in args.trackers}
    print(f"validation split, unrotated: {len(sequences)} sequences, {sum(len(s) for s in sequences)} frames")
    print(ien_common.table(rows, COLUMNS))
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
