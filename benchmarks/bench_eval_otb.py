"""Benchmark: evaluate the five published trackers on OTB-100 (500 result files, parsing included) with our
harness, side by side with a loop over the got10k package's metric functions on the same files.

    OMP_NUM_THREADS=1 python benchmarks/bench_eval_otb.py [--data ../shared/data] [--repeat 3]

Prints the best-of-N wall time of each and the DaSiamRPN AUC / precision both ways. Target: ours < 0.5 s.
"""
import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from got10k.utils.metrics import center_error, rect_iou  # noqa: E402

from datasets.pysot_json import load_pysot_json  # noqa: E402
from eval.evaluate import evaluate_tracker  # noqa: E402
from eval.results_io import canonical_name  # noqa: E402

TRACKERS = ["DaSiamRPN", "SiamRPN", "SiamRPN++", "ATOM", "MDNet"]


def ours(sequences, results_root):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return {t: evaluate_tracker("OTB100", sequences, results_root / t, pad_missing=True)["overall"]
                for t in TRACKERS}


def got10k_loop(sequences, results_root):
    """What a got10k user writes: np.loadtxt per file, got10k's rect_iou / center_error, its curve code."""
    out = {}
    thr_iou, thr_ce = np.linspace(0, 1, 21)[None, :], np.arange(0, 51)[None, :]
    for t in TRACKERS:
        files = {canonical_name(p.stem): p for p in (results_root / t).iterdir()}
        succ, prec = [], []
        for seq in sequences:
            boxes = np.loadtxt(files[canonical_name(seq.name)], delimiter=",", ndmin=2)
            boxes[:, :2] -= 1
            anno = seq.boxes
            if len(boxes) < len(anno):
                boxes = np.vstack([boxes, np.full((len(anno) - len(boxes), 4), -1e6)])
            ious, errs = rect_iou(boxes, anno.copy()), center_error(boxes, anno)
            succ.append(np.mean(np.greater(ious[:, None], thr_iou), axis=0))
            prec.append(np.mean(np.less_equal(errs[:, None], thr_ce), axis=0))
        out[t] = {"success_auc": float(np.mean(succ)), "precision_20": float(np.mean(prec, axis=0)[20])}
    return out


def best_of(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"),
                   help="the shared data folder holding OTB100/ (default: ../shared/data)")
    p.add_argument("--repeat", type=int, default=3, help="timed repetitions, the best reported (default: 3)")
    args = p.parse_args()
    root = Path(args.data) / "OTB100"
    start = time.perf_counter()
    sequences = load_pysot_json(root / "OTB100.json")
    print(f"ground truth (OTB100.json, 100 sequences): {time.perf_counter() - start:.3f} s (not in the timings)")
    t_ours, r_ours = best_of(lambda: ours(sequences, root / "results"), args.repeat)
    t_ref, r_ref = best_of(lambda: got10k_loop(sequences, root / "results"), args.repeat)
    print(f"ours  (5 trackers x 100 sequences, parsing included): {t_ours:.3f} s  best of {args.repeat}")
    print(f"got10k metric functions in a loop, np.loadtxt:        {t_ref:.3f} s  best of {args.repeat}")
    for t in TRACKERS:
        print(f"  {t:10s} ours AUC {r_ours[t]['success_auc']:.4f} prec {r_ours[t]['precision_20']:.4f} | "
              f"got10k loop AUC {r_ref[t]['success_auc']:.4f} prec {r_ref[t]['precision_20']:.4f}")
    print("target < 0.5 s:", "met" if t_ours < 0.5 else "missed")


if __name__ == "__main__":
    main()
