"""VOT supervised (baseline) protocol metrics from result records, as pysot-toolkit computes them (the
numbers SiamRPN++ and most Siamese papers report for VOT2016-2019).

A run is a list of per-frame records: ``[1]`` the tracker was (re)initialised on this frame, ``[2]`` it failed
here (overlap 0), ``[0]`` skipped (the 4 frames after a failure; re-initialisation comes 5 frames after the
failure), otherwise the predicted box (4 values) or polygon (8 values).

- Accuracy: per-frame VOT overlap (rasterised, image bounds ``(W, H)``) with the 10 frames starting at each
  initialisation ignored (burn-in, the initialisation frame included); per frame the mean over repetitions
  (NaN-aware), then the NaN-aware mean over all frames of all sequences.
- Robustness: failures per repetition summed over sequences; ``lost_number`` is the mean over repetitions,
  ``robustness`` that number per 100 frames (failures / total frames * 100), as pysot prints it.
- EAO: overlaps without burn-in (image bounds ``(W - 1, H - 1)``, as pysot), each run cut into fragments
  at ``failure + 5`` (re-initialisation); a fragment that ends in a failure is padded with zeros to the longest
  run, the last fragment of a run is left open (NaN). The expected overlap for length L averages, over the
  fragments at least L long, the mean overlap of their frames 2..L, each fragment weighted by 1 / repetitions
  (times its share of ground-truth frames); EAO is the mean of that curve over the year's interval of lengths.
  The curve is kept in float32 like pysot's.
- Years: VOT2015 and VOT2016 average over lengths [108, 371], VOT2017 and VOT2018 [100, 356], VOT2019 [46, 291]
  (the VOT toolkit's stacks, pysot-toolkit). VOT2013 and VOT2014 predate EAO (their challenges ranked accuracy
  and robustness only), so their EAO and expected-overlap curve are not defined: ``None``, not a number.
"""
import contextlib
import warnings
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from core.errors import TrackingError
from eval.overlap import vot_overlaps

#: EAO's interval of sequence lengths per year; None where the year's challenge had no EAO
EAO_INTERVALS = {"VOT2013": None, "VOT2014": None, "VOT2015": (108, 371), "VOT2016": (108, 371),
                 "VOT2017": (100, 356), "VOT2018": (100, 356), "VOT2019": (46, 291)}
BURNIN = 10
SKIPPING = 5


def is_code(record, code: int) -> bool:
    r = np.asarray(record).reshape(-1)
    return r.size == 1 and r[0] == code


def failures(run) -> np.ndarray:
    """Frame indices (0-based) where the run records a failure."""
    return np.array([i for i, rec in enumerate(run) if is_code(rec, 2)], dtype=np.int64)


def burnin_mask(run, burnin: int = BURNIN) -> np.ndarray:
    """True on the ``burnin`` frames starting at every initialisation (the frames accuracy ignores)."""
    mask = np.zeros(len(run), dtype=bool)
    for i, rec in enumerate(run):
        if is_code(rec, 1):
            mask[i:i + burnin] = True
    return mask


def run_overlaps(run, gt, bound, burnin: int = 0) -> np.ndarray:
    """Per-frame VOT overlaps of one run; NaN on code frames and, with ``burnin``, after initialisations."""
    n = min(len(run), len(gt))
    overlaps = vot_overlaps(run[:n], gt[:n], bound)
    if burnin:
        overlaps[burnin_mask(run[:n], burnin)] = np.nan
    return overlaps


def expected_overlap_curve(overlaps_per_run, failures_per_run, lengths, weights, skipping: int = SKIPPING):
    """pysot-toolkit's expected-overlap curve (float32, index i = sequence length i + 1).

    ``overlaps_per_run``: per run the per-frame overlaps (NaN on codes); ``failures_per_run``: failure frame
    indices; ``lengths``: ground-truth length of each run's sequence; ``weights``: each run's weight (1 /
    repetitions of its sequence)."""
    max_len = max(len(o) for o in overlaps_per_run)
    rows, row_weights = [], []
    for overlaps, fails, n_gt, weight in zip(overlaps_per_run, failures_per_run, lengths, weights):
        overlaps = np.asarray(overlaps, dtype=np.float64)
        n = len(overlaps)
        if len(fails) == 0:
            row = np.full(max_len, np.nan)
            row[:n] = overlaps[:max_len]
            rows.append(row)
            row_weights.append(weight)
            continue
        points = [0] + [f + skipping for f in fails if f + skipping <= n]
        for k, start in enumerate(points):
            if k + 1 < len(points):               # ended by a failure: zeros after it, up to the longest run
                end = points[k + 1]
                frag = np.nan_to_num(overlaps[start:end + 1], nan=0.0)
                row = np.zeros(max_len)
                share = (min(end + 1, n_gt) - start) / (end - start + 1)
            else:                                 # the last fragment stays open
                frag = np.nan_to_num(overlaps[start:], nan=0.0)
                row = np.full(max_len, np.nan)
                share = max(min(n, n_gt) - start, 0) / (n_gt - start + 1e-16)
            row[:len(frag)] = frag
            rows.append(row)
            row_weights.append(weight * share)
    frags = np.array(rows)
    w = np.array(row_weights)
    present = ~np.isnan(frags[:, 1:])                        # column i-1 <-> length i+1
    sums = np.cumsum(np.nan_to_num(frags[:, 1:], nan=0.0), axis=1)
    means = sums / np.arange(1, max_len)[None, :]
    num = (present * w[:, None] * means).sum(axis=0)
    den = (present * w[:, None]).sum(axis=0)
    curve = np.zeros(max_len, dtype=np.float32)
    curve[0] = 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        curve[1:] = np.where(den > 0, num / den, 0.0).astype(np.float32)
    return curve


def eao_from_curve(curve, interval) -> float:
    """Mean of the expected-overlap curve over sequence lengths ``interval = (low, high)`` (inclusive)."""
    low, high = interval
    weight = np.zeros(len(curve))
    weight[low - 1:high] = 1.0
    valid = ~np.isnan(curve)
    if not weight[valid].any():           # every run is shorter than the interval
        return float("nan")
    return float(np.sum(curve[valid].astype(np.float64) * weight[valid]) / np.sum(weight[valid]))


@dataclass
class VOTResult:
    tracker: str
    accuracy: float
    lost_number: float
    robustness: float
    eao: Optional[float]             # None where the year has no EAO (VOT2013, VOT2014)
    curve: Optional[np.ndarray]
    per_sequence: dict = field(default_factory=dict)

    def summary(self) -> dict:
        curve = None if self.curve is None else self.curve.astype(float).tolist()
        return {"accuracy": self.accuracy, "robustness": self.robustness, "lost_number": self.lost_number,
                "eao": self.eao, "expected_overlap_curve": curve}


def evaluate_vot(sequences, runs: dict, year: str, tracker: str = "") -> VOTResult:
    """Accuracy, robustness and EAO of one tracker; ``runs`` maps sequence name -> list of runs (one per
    repetition), each a list of records as ``eval.results_io.read_vot`` returns them. Ground truth may be
    polygons or boxes (0-based as written in VOT files); image size comes from ``seq.image_size``."""
    if year not in EAO_INTERVALS:
        raise TrackingError(f"{year!r}: not a VOT year with the supervised protocol (no EAO interval known); "
                            f"known: {', '.join(EAO_INTERVALS)}")
    interval = EAO_INTERVALS[year]
    per_frame_acc, fail_counts, per_seq = [], [], {}
    eao_overlaps, eao_failures, eao_lengths, eao_weights = [], [], [], []
    total_frames = 0
    for seq in sequences:
        if seq.name not in runs or not runs[seq.name]:
            raise TrackingError(f"{tracker or 'results'}: no result for sequence {seq.name}")
        gt = list(seq.ground_truth)
        w, h = seq.image_size
        seq_runs = runs[seq.name]
        accs = np.array([run_overlaps(run, gt, (w, h), burnin=BURNIN) for run in seq_runs])
        with _quiet():
            frame_acc = np.nanmean(accs, axis=0)
        per_frame_acc.append(frame_acc)
        fails = [failures(run) for run in seq_runs]
        fail_counts.append([len(f) for f in fails])
        total_frames += len(gt)
        for run, f in zip(seq_runs, fails):
            eao_overlaps.append(run_overlaps(run, gt, (w - 1, h - 1)))
            eao_failures.append(f)
            eao_lengths.append(len(gt))
            eao_weights.append(1.0 / len(seq_runs))
        with _quiet():
            per_seq[seq.name] = {"accuracy": float(np.nanmean(frame_acc)),
                                 "failures": float(np.mean([len(f) for f in fails]))}
    counts = np.array(fail_counts, dtype=np.float64)            # (sequences, repetitions)
    if len({len(c) for c in fail_counts}) != 1:
        raise TrackingError(f"{tracker or 'results'}: sequences have different numbers of repetitions")
    with _quiet():
        accuracy = float(np.nanmean(np.concatenate(per_frame_acc)))
    lost = counts.sum(axis=0)
    curve = eao = None
    if interval is not None:
        curve = expected_overlap_curve(eao_overlaps, eao_failures, eao_lengths, eao_weights)
        eao = eao_from_curve(curve, interval)
    return VOTResult(tracker=tracker, accuracy=accuracy, lost_number=float(lost.mean()),
                     robustness=float(np.mean(lost / total_frames) * 100.0),
                     eao=eao, curve=curve, per_sequence=per_seq)


@contextlib.contextmanager
def _quiet():
    """Silence NumPy's 'mean of empty slice' warning where an all-NaN frame is expected."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        yield
