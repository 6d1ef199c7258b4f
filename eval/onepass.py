"""One-pass evaluation (OTB, LaSOT, UAV123, TB50 and any folder of sequences): success and precision.

Definitions (these reproduce the numbers papers publish; keep them):

- Success curve: for each of the 21 thresholds ``np.linspace(0, 1, 21)`` the fraction of frames whose IoU is
  *strictly greater* than the threshold. Success AUC is the mean of the curve, so a perfect tracker scores
  20/21 = 0.952 (IoU 1 is never > 1), as in the OTB toolkit, pysot-toolkit and got10k.
- Precision curve: for thresholds 0..50 px the fraction of frames whose centre error is ``<=`` the threshold;
  precision is read at 20 px. Centres use the OTB convention ``x + (w - 1) / 2``.
- Normalised precision: the same with the error divided by the ground-truth size per axis (pysot-toolkit,
  pytracking, TrackingNet), thresholds 0, 0.01, ..., 0.50, read at 0.20; for LaSOT the LaSOT toolkit's area
  under that curve (the mean over the 51 thresholds in [0, 0.5]) is reported as well.
- Overall numbers average the per-sequence curves (each sequence weighs the same), then read the curve.
- Every frame is scored as written, the first (initialisation) frame included (pysot-toolkit).
  ``first_frame_gt=True`` overwrites the first predicted box with the ground truth first (the got10k package's
  habit), which raises scores slightly.
- A frame whose ground truth is invalid (NaN, zero width or height, or flagged absent, see
  ``Sequence.valid``) stays in the denominator and counts as a failure for success and for precision. LaSOT
  frames flagged ``full_occlusion`` or ``out_of_view`` are treated the same way (pysot-toolkit's LaSOT rule:
  only visible frames can score, all frames count).

Where the reference toolkits disagree we follow the published numbers and write the choice down:

- Older pysot-toolkit versions keep a frame only if all four ground-truth values are > 0, so a box touching
  x = 0 or y = 0 counts as a miss; newer versions (and got10k) only require a positive size. We only require a
  positive size (``core.boxes.valid_mask``). On OTB-100 the two rules change DaSiamRPN's AUC by < 2e-5; the
  published 0.658 holds under both.
- pysot-toolkit gives frames with invalid ground truth a centre distance of -1, i.e. a *hit* at every
  precision threshold; we count them as misses, consistently with success. On OTB-100 this affects two frames
  (the last of Board and Twinnings) and does not change the published 0.880.
- LaSOT normalised precision: pysot-toolkit reads the curve at 0.20; the LaSOT toolkit averages the curve over
  [0, 0.5]. Both are reported (``norm_precision`` and ``norm_precision_auc``).

Coordinate conventions per file format (inside the project every box is 0-based ``x, y, w, h``):

===========================================  ========  ==================================================
format                                       1-based?  where converted
===========================================  ========  ==================================================
OTB ``groundtruth_rect*.txt``                yes       ``datasets.otb`` subtracts 1 from x, y
pysot JSON ``OTB*.json`` / ``TB*.json``      yes       ``datasets.pysot_json`` (same shift as OTB files)
folder layout (OTB-style ``groundtruth``)    yes       ``datasets.folder`` (``one_based=True`` default)
OTB / TB / folder one-pass result files      yes       ``eval.results_io.read_onepass/write_onepass``
                                                       (``one_based=results_io.one_based_for(dataset)``)
UAV123 / UAV20L ``anno``, their results      as is     none (pysot-toolkit and got10k use them as written)
LaSOT ``groundtruth.txt``, its results       as is     none
GOT-10k ``groundtruth.txt``, its results     as is     none (0-based)
VOT ``groundtruth.txt``, baseline results    as is     none (polygons and boxes)
===========================================  ========  ==================================================

IoU and centre error are translation invariant, so the convention only has to be the same on both sides; it
matters for clipping to the image (GOT-10k, VOT) and for files written back, which must match the input.
"""
from dataclasses import dataclass, field

import numpy as np

from core.boxes import as_boxes
from core.errors import TrackingError
from eval.overlap import center_error, normalized_center_error, poly_iou, rect_iou

IOU_THRESHOLDS = np.linspace(0.0, 1.0, 21)
PIXEL_THRESHOLDS = np.arange(0, 51, dtype=np.float64)
NORM_THRESHOLDS = np.arange(0, 51, dtype=np.float64) / 100.0
INVISIBLE_FLAGS = ("full_occlusion", "out_of_view")
PRECISION_AT = 20          # index of 20 px in PIXEL_THRESHOLDS
NORM_PRECISION_AT = 20     # index of 0.20 in NORM_THRESHOLDS


@dataclass
class OnePassResult:
    """Per-sequence curves of one tracker; overall numbers are properties (means over sequences)."""

    tracker: str
    sequences: list
    success: np.ndarray          # (S, 21)
    precision: np.ndarray        # (S, 51)
    norm_precision: np.ndarray   # (S, 51)
    attributes: dict = field(default_factory=dict)   # attribute -> list of sequence indices
    fps: float = float("nan")

    def subset(self, indices) -> "OnePassResult":
        idx = np.asarray(indices, dtype=np.int64)
        return OnePassResult(self.tracker, [self.sequences[i] for i in idx], self.success[idx],
                             self.precision[idx], self.norm_precision[idx])

    @property
    def success_curve(self) -> np.ndarray:
        return self.success.mean(axis=0)

    @property
    def precision_curve(self) -> np.ndarray:
        return self.precision.mean(axis=0)

    @property
    def norm_precision_curve(self) -> np.ndarray:
        return self.norm_precision.mean(axis=0)

    @property
    def auc(self) -> float:
        return float(self.success_curve.mean())

    @property
    def precision_20(self) -> float:
        return float(self.precision_curve[PRECISION_AT])

    @property
    def norm_precision_20(self) -> float:
        return float(self.norm_precision_curve[NORM_PRECISION_AT])

    @property
    def norm_precision_auc(self) -> float:
        return float(self.norm_precision_curve.mean())

    def summary(self) -> dict:
        return {"success_auc": self.auc, "precision_20": self.precision_20,
                "norm_precision_20": self.norm_precision_20, "norm_precision_auc": self.norm_precision_auc,
                "success_curve": self.success_curve.tolist(), "precision_curve": self.precision_curve.tolist(),
                "norm_precision_curve": self.norm_precision_curve.tolist(), "sequences": len(self.sequences),
                "fps": None if not np.isfinite(self.fps) else float(self.fps)}

    def per_sequence(self) -> dict:
        return {name: {"success_auc": float(self.success[i].mean()),
                       "precision_20": float(self.precision[i, PRECISION_AT]),
                       "norm_precision_20": float(self.norm_precision[i, NORM_PRECISION_AT])}
                for i, name in enumerate(self.sequences)}

    def per_attribute(self) -> dict:
        return {attr: self.subset(idx).summary() for attr, idx in sorted(self.attributes.items())}


def scored_frames(seq) -> np.ndarray:
    """Frames that can score: valid ground truth, and not flagged as fully occluded or out of view."""
    mask = seq.valid.copy()
    for flag in INVISIBLE_FLAGS:
        if flag in seq.flags:
            mask &= ~np.asarray(seq.flags[flag], dtype=bool)[: len(mask)]
    return mask


def frame_scores(pred, gt, valid=None):
    """Per-frame ``(iou, center_error, normalized_center_error)``; frames with invalid ground truth get IoU -1
    and infinite errors, so they fail every threshold while staying in the denominator."""
    p, g = as_boxes(pred), as_boxes(gt)
    ok = np.isfinite(g).all(axis=1) & (g[:, 2] > 0) & (g[:, 3] > 0)
    if valid is not None:
        ok &= np.asarray(valid, dtype=bool)
    with np.errstate(invalid="ignore", over="ignore"):
        iou = np.where(ok, rect_iou(p, np.where(ok[:, None], g, 0.0)), -1.0)
        err = np.where(ok, center_error(p, g), np.inf)
        nerr = np.where(ok, normalized_center_error(p, np.where(ok[:, None], g, 1.0)), np.inf)
    # A NaN prediction is a miss, never a hit.
    return np.nan_to_num(iou, nan=-1.0), np.nan_to_num(err, nan=np.inf), np.nan_to_num(nerr, nan=np.inf)


def _curves(values, thresholds, seq_ids, n_seq, lengths, greater: bool) -> np.ndarray:
    """Per-sequence fraction of frames passing each threshold (``value > t`` or ``value <= t``).

    Each frame's rank among the sorted thresholds (a binary search, the same comparison as ``>``/``<=``) is
    histogrammed per sequence; a cumulative sum then counts the frames passing each threshold. This avoids a
    frames x thresholds matrix."""
    n_thr = len(thresholds)
    rank = np.searchsorted(thresholds, values, side="left")          # thresholds strictly below the value
    hist = np.bincount(seq_ids * (n_thr + 1) + rank, minlength=n_seq * (n_thr + 1)).reshape(n_seq, n_thr + 1)
    if greater:   # value > t_j  <=>  rank > j
        counts = np.cumsum(hist[:, ::-1], axis=1)[:, ::-1][:, 1:]
    else:         # value <= t_j  <=>  rank <= j
        counts = np.cumsum(hist, axis=1)[:, :n_thr]
    return counts / lengths[:, None]


def evaluate_onepass(sequences, results: dict, tracker: str = "", first_frame_gt: bool = False,
                     fps: float = float("nan")) -> OnePassResult:
    """Score one tracker on ``sequences`` (``datasets.sequence.Sequence``, 0-based ground truth).

    ``results`` maps sequence name -> ``(N, 4)`` 0-based predicted boxes with exactly one row per
    ground-truth row (``eval.results_io`` pads or rejects short files before this point). All frames of all
    sequences are pooled into one array so the work is a handful of vectorised operations.
    """
    preds, gts, valids, names, attrs = [], [], [], [], {}
    for i, seq in enumerate(sequences):
        if seq.name not in results:
            raise TrackingError(f"{tracker or 'results'}: no result for sequence {seq.name}")
        pred = as_boxes(results[seq.name]).copy()
        gt = seq.boxes
        if len(pred) != len(gt):
            raise TrackingError(f"{tracker or 'results'}/{seq.name}: {len(pred)} boxes for {len(gt)} "
                                f"ground-truth frames")
        if len(gt) == 0:
            raise TrackingError(f"{seq.name}: sequence without ground truth")
        if first_frame_gt:
            pred[0] = gt[0]
        preds.append(pred)
        gts.append(gt)
        valids.append(scored_frames(seq))
        names.append(seq.name)
        for a in seq.attributes:
            attrs.setdefault(a, []).append(i)
    lengths = np.array([len(g) for g in gts])
    seq_ids = np.repeat(np.arange(len(gts)), lengths)
    iou, err, nerr = frame_scores(np.concatenate(preds), np.concatenate(gts), np.concatenate(valids))
    return OnePassResult(
        tracker=tracker, sequences=names,
        success=_curves(iou, IOU_THRESHOLDS, seq_ids, len(gts), lengths, greater=True),
        precision=_curves(err, PIXEL_THRESHOLDS, seq_ids, len(gts), lengths, greater=False),
        norm_precision=_curves(nerr, NORM_THRESHOLDS, seq_ids, len(gts), lengths, greater=False),
        attributes=attrs, fps=fps)


def polygon_success_auc(sequences, polygons: dict) -> float:
    """Success AUC on rotated polygons (the rotated benchmark, ``eval.rotated``): per frame the exact polygon
    IoU (``eval.overlap.poly_iou``), the success curve over ``IOU_THRESHOLDS`` (frames without a target count as
    misses), averaged over sequences. ``polygons`` maps sequence name -> ``(N, 8)`` predicted polygons;
    ``seq.ground_truth`` holds the ``(N, 8)`` ground-truth polygons."""
    curves = []
    for seq in sequences:
        pred, gt = np.asarray(polygons[seq.name], float), np.asarray(seq.ground_truth, float)
        # as in frame_scores: absent targets (NaN rows) and NaN predictions are misses, and never reach GEOS,
        # which refuses a ring with NaN corners
        scored = np.asarray(seq.valid, bool) & np.isfinite(gt).all(axis=1) & np.isfinite(pred).all(axis=1)
        iou = np.full(len(gt), -1.0)
        if scored.any():
            iou[scored] = poly_iou(pred[scored], gt[scored])
        curves.append((iou[:, None] > IOU_THRESHOLDS[None, :]).mean(axis=0))
    return float(np.mean(curves))

def mean_fps(times_per_sequence) -> float:
    """Speed as the got10k package reports it for one-pass benchmarks: per sequence the mean of ``1 / t``
    over positive frame times, then the mean over sequences that have times. NaN when none has."""
    speeds = []
    for times in times_per_sequence:
        t = np.asarray(times, dtype=np.float64).reshape(-1)
        t = t[np.isfinite(t) & (t > 0)]
        if len(t):
            speeds.append(np.mean(1.0 / t))
    return float(np.mean(speeds)) if speeds else float("nan")
