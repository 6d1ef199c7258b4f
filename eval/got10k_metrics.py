"""GOT-10k metrics: average overlap (AO) and success rates SR0.50 / SR0.75, as the got10k package's
``ExperimentGOT10k.report`` computes them for the validation set (the test set is scored by the server):

- per sequence and repetition, IoU of frames 2..N (the first frame is the initialisation and is skipped);
- predicted and ground-truth boxes are first clipped to the image (``x`` into ``[0, W]``, ``w`` into
  ``[0, W - x]``, likewise for y and h), W and H being the sequence's resolution;
- only frames whose ``cover`` label is > 0 (target at least partly visible) count;
- IoUs of all frames of all sequences and all repetitions are pooled, then averaged (AO) or thresholded
  (SR: IoU strictly greater than 0.5 or 0.75); the success curve uses 101 thresholds in [0, 1];
- speed: all positive, non-NaN frame times of all sequences and repetitions pooled, FPS = mean(1 / t).
"""
from dataclasses import dataclass, field

import numpy as np

from core.boxes import as_boxes
from core.errors import TrackingError
from eval.overlap import rect_iou

GOT10K_THRESHOLDS = np.linspace(0.0, 1.0, 101)


def clip_to_image(boxes, width: float, height: float) -> np.ndarray:
    """got10k's bound rule: the corner is clipped into the image, then the size into what is left."""
    b = as_boxes(boxes).copy()
    b[:, 0] = np.clip(b[:, 0], 0, width)
    b[:, 1] = np.clip(b[:, 1], 0, height)
    b[:, 2] = np.clip(b[:, 2], 0, width - b[:, 0])
    b[:, 3] = np.clip(b[:, 3], 0, height - b[:, 1])
    return b


def sequence_ious(pred, gt, resolution, cover=None) -> np.ndarray:
    """Scored IoUs of one repetition: frames after the first, clipped, where ``cover > 0``."""
    p, g = as_boxes(pred), as_boxes(gt)
    if len(p) != len(g):
        raise TrackingError(f"{len(p)} boxes for {len(g)} ground-truth frames")
    w, h = resolution
    iou = rect_iou(clip_to_image(p[1:], w, h), clip_to_image(g[1:], w, h))
    iou = np.nan_to_num(iou, nan=0.0)
    if cover is not None:
        iou = iou[np.asarray(cover)[1:len(g)] > 0]
    return iou


def _fps(times) -> float:
    t = np.asarray(times, dtype=np.float64).reshape(-1)
    t = t[np.isfinite(t) & (t > 0)]
    return float(np.mean(1.0 / t)) if len(t) else float("nan")


@dataclass
class Got10kResult:
    tracker: str
    ious: dict                      # sequence -> pooled IoUs over repetitions
    times: dict = field(default_factory=dict)   # sequence -> all frame times (may be empty)

    @staticmethod
    def _scores(ious, times) -> dict:
        return {"ao": float(np.mean(ious)) if len(ious) else float("nan"),
                "sr50": float(np.mean(ious > 0.5)) if len(ious) else float("nan"),
                "sr75": float(np.mean(ious > 0.75)) if len(ious) else float("nan"),
                "fps": _fps(times) if len(times) else None}

    def overall(self) -> dict:
        ious = np.concatenate(list(self.ious.values())) if self.ious else np.zeros(0)
        times = np.concatenate([np.ravel(t) for t in self.times.values()]) if self.times else np.zeros(0)
        out = self._scores(ious, times)
        out["success_curve"] = (ious[:, None] > GOT10K_THRESHOLDS[None, :]).mean(axis=0).tolist()
        out["sequences"] = len(self.ious)
        return out

    def per_sequence(self) -> dict:
        return {name: self._scores(ious, self.times.get(name, np.zeros(0))) for name, ious in self.ious.items()}


def evaluate_got10k(sequences, results: dict, tracker: str = "", times: dict = None) -> Got10kResult:
    """``results`` maps sequence name -> list of ``(N, 4)`` 0-based boxes (one per repetition); ``times`` maps
    sequence name -> frame times (any shape) or None. Resolution comes from ``seq.meta['resolution']`` (GOT-10k's
    ``meta_info.ini``) or else from the first image; cover labels from ``seq.flags['cover']``."""
    per_seq, per_times = {}, {}
    for seq in sequences:
        if seq.name not in results:
            raise TrackingError(f"{tracker or 'results'}: no result for sequence {seq.name}")
        resolution = _resolution(seq)
        cover = seq.flags.get("cover")
        try:
            ious = [sequence_ious(boxes, seq.boxes, resolution, cover) for boxes in results[seq.name]]
        except TrackingError as err:
            raise TrackingError(f"{tracker or 'results'}/{seq.name}: {err}") from None
        per_seq[seq.name] = np.concatenate(ious)
        if times and times.get(seq.name) is not None:
            per_times[seq.name] = np.ravel(times[seq.name])
    return Got10kResult(tracker, per_seq, per_times)


def _resolution(seq):
    res = seq.meta.get("resolution")
    if isinstance(res, str):
        res = tuple(float(v) for v in res.strip("()[] ").split(","))
    return tuple(res) if res is not None else seq.image_size
