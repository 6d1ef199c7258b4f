"""Rotation robustness: success AUC of the IEN tracker and its two baselines on the rotated validation split and
on the built-in synthetic benchmark.

    python benchmarks/bench_rotation.py [--step 1.0] [--trackers siamfc_ien siamfc_base siamfc_rotaug]
        [--workers 2] [--results results/ien_benchmarks]

Rotated split: issue 9's validation sequences with frame i turned by i * step degrees (eval/rotated.py, the
runner's ``--rotate``), scored on the rotated targets' axis-aligned boxes. Synthetic: the built-in benchmark of
``tools/test_tracker.py --builtin`` (eval/runners/builtin.py: 8 sequences of 100 frames, seed 0, textured objects
turning 1-4 degrees per frame and scaling within 1.5x), a family the training configs never draw (they use seed
1000). One-pass, scored by the evaluation harness; results cached under ``--results``.
"""
import argparse
import sys

import ien_common

from core.cli import run_tool

COLUMNS = (("rotated_auc", "rot AUC", ".3f"), ("rotated_p20", "rot prec@20", ".3f"),
           ("synthetic_auc", "synth AUC", ".3f"), ("synthetic_p20", "synth prec@20", ".3f"))


def main(argv=None) -> int:
    from eval.runners.builtin import builtin_benchmark_name, builtin_sequences
    from eval.rotated import rotate_sequence

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trackers", nargs="+", metavar="NAME|LABEL=NAME:WEIGHTS", default=list(ien_common.SHIPPED),
                        help="registered trackers, or LABEL=NAME:WEIGHTS for other weights of a registered network")
    parser.add_argument("--step", type=float, default=1.0, help="degrees per frame of the rotated split")
    parser.add_argument("--workers", type=int, default=2, help="sequences tracked in parallel (1 thread each)")
    parser.add_argument("--results", default=str(ien_common.REPO / "results" / "ien_benchmarks"),
                        help="where tracking results are cached (default: results/ien_benchmarks)")
    args = parser.parse_args(argv)
    rotated = [rotate_sequence(s, args.step) for s in ien_common.validation_sequences()]
    synthetic = builtin_sequences()
    rows = {}
    for name in args.trackers:
        label = ien_common.parse_variant(name)[0]
        rot = ien_common.onepass_scores(name, rotated, f"validation-rot{args.step:g}", args.results, args.workers)
        syn = ien_common.onepass_scores(name, synthetic, builtin_benchmark_name(), args.results, args.workers)
        rows[label] = {"rotated_auc": rot["success_auc"], "rotated_p20": rot["precision_20"],
                      "synthetic_auc": syn["success_auc"], "synthetic_p20": syn["precision_20"]}
    print(f"rotated validation split ({args.step:g} deg/frame, {len(rotated)} sequences) and synthetic benchmark "
          f"({builtin_benchmark_name()})")
    print(ien_common.table(rows, COLUMNS))
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
