"""Training pairs for Siamese trackers: a template crop ``z`` and a search crop ``x`` with the target's box in ``x``.

Pairs come from several sources mixed with weights (annotated sequences, still images, synthetic sequences);
each source hands over two :class:`~datasets.augment.FrameView` objects, and the crops and augmentation happen
here through :func:`~datasets.augment.augmented_crop`, the same way for every source.

Why items are seeded from ``(seed, epoch, index)`` only: the sample an index produces must not depend on which
process or worker draws it, nor on what was drawn before, so that a run is reproducible under any number of
DataLoader workers or DDP ranks, and resuming from a checkpoint replays exactly the same data.
"""
from dataclasses import dataclass, field

import numpy as np
import torch

from core.errors import TrackingError
from datasets.augment import AugmentConfig, FrameView, augmented_crop, context_side, object_size
from datasets.sequence import Sequence
from datasets.still_pairs import StillImageSource  # noqa: F401  (every source importable from here)
from datasets.synthetic import SyntheticConfig, make_sequence, sequence_seed

# Attempts at finding a usable pair before a source is declared empty: sources with some usable frames succeed
# within a few draws; this only bounds the search when none is usable.
MAX_ATTEMPTS = 100


def _default_template_aug() -> AugmentConfig:
    return AugmentConfig(shift=4.0, scale=0.05)


def _default_search_aug() -> AugmentConfig:
    return AugmentConfig(shift=32.0, scale=0.18, color=0.5, blur=0.1)


@dataclass
class PairConfig:
    """How pairs are drawn and cropped (the ``data:`` knobs that do not name datasets)."""

    template_size: int = 127  # z crop side, pixels
    search_size: int = 255  # x crop side, pixels; the x region is template region * search_size / template_size
    context: float = 0.5  # SiamFC context: region side sqrt((w + p)(h + p)), p = context * (w + h)
    frame_range: int = 100  # max |search frame - template frame| (a source may set its own)
    negative_rate: float = 0.0  # fraction of pairs whose search frame comes from another sequence (SiamRPN++: 0.2)
    pairs_per_epoch: int = 10000  # the dataset's length
    min_cover: int = 1  # GOT-10k cover level (0 = fully occluded .. 8 = fully visible) a frame needs
    min_area: float = 20.0  # min box area, pixels^2
    max_aspect: float = 4.0  # max of w/h and h/w
    min_relative_size: float = 0.01  # min sqrt(box area / image area)
    max_relative_size: float = 0.75  # max sqrt(box area / image area)
    template_aug: AugmentConfig = field(default_factory=_default_template_aug)
    search_aug: AugmentConfig = field(default_factory=_default_search_aug)

    def __post_init__(self):
        if self.template_size < 8 or self.search_size < self.template_size:
            raise TrackingError(f"data: expected 8 <= template_size <= search_size, got {self.template_size}, "
                                f"{self.search_size}")
        if not 0.0 <= self.negative_rate <= 1.0:
            raise TrackingError(f"data.negative_rate: expected a rate in [0, 1], got {self.negative_rate}")
        if self.frame_range < 0 or self.pairs_per_epoch < 1:
            raise TrackingError("data.frame_range: expected >= 0; data.pairs_per_epoch: expected >= 1")


def usable_frames(seq: Sequence, cfg: PairConfig) -> np.ndarray:
    """Indices of frames a pair may use: valid ground truth, target visible (not absent, not fully occluded,
    not out of view, cover level >= ``min_cover``), and a box passing the area, aspect and relative-size
    filters."""
    boxes = np.asarray(seq.boxes, dtype=np.float64)
    n = min(len(boxes), len(seq.frames))
    ok = seq.valid[:n].copy()
    for name in ("full_occlusion", "out_of_view"):
        if name in seq.flags:
            ok &= ~np.asarray(seq.flags[name], dtype=bool)[:n]
    if "cover" in seq.flags:
        ok &= np.asarray(seq.flags["cover"])[:n] >= cfg.min_cover
    if not ok.any():
        return np.flatnonzero(ok)
    width, height = seq.image_size
    w, h = np.nan_to_num(boxes[:n, 2]), np.nan_to_num(boxes[:n, 3])
    with np.errstate(divide="ignore", invalid="ignore"):
        area = w * h
        aspect = np.maximum(w / h, h / w)
        relative = np.sqrt(area / float(width * height))
    ok &= (area >= cfg.min_area) & (aspect <= cfg.max_aspect)
    ok &= (relative >= cfg.min_relative_size) & (relative <= cfg.max_relative_size)
    return np.flatnonzero(ok)


def _object_polygon(seq: Sequence, index: int):
    """The object's outline when the sequence knows it (VOT polygons, synthetic rotated rectangles)."""
    if seq.is_polygon:
        return np.asarray(seq.ground_truth[index], dtype=np.float64).reshape(4, 2)
    if "polygon" in seq.meta:
        return np.asarray(seq.meta["polygon"][index], dtype=np.float64).reshape(4, 2)
    return None


class SequenceSource:
    """Pairs from annotated sequences: template and search frames of one sequence at most ``frame_range``
    frames apart, both usable (:func:`usable_frames`). Sequences are drawn uniformly.

    ``frame_range`` overrides the config's (datasets differ in frame rate). Usable-frame lists are computed
    when a sequence is first drawn and cached per process (reading its first image for the frame size).
    """

    def __init__(self, sequences, weight: float = 1.0, frame_range=None):
        self.sequences = list(sequences)
        self.weight = float(weight)
        self.frame_range = frame_range
        if not self.sequences:
            raise TrackingError("SequenceSource: no sequences given")
        self._usable = {}

    def __len__(self) -> int:
        return len(self.sequences)

    def sequence(self, k: int) -> Sequence:
        return self.sequences[k]

    def _usable_frames(self, k: int, cfg: PairConfig) -> np.ndarray:
        key = (k, cfg.min_cover, cfg.min_area, cfg.max_aspect, cfg.min_relative_size, cfg.max_relative_size)
        if key not in self._usable:
            self._usable[key] = usable_frames(self.sequence(k), cfg)
        return self._usable[key]

    def _view(self, k: int, index: int) -> FrameView:
        seq = self.sequence(k)
        return FrameView(seq.image(index), seq.boxes[index], _object_polygon(seq, index))

    def sample_pair(self, rng, cfg: PairConfig):
        """``(template view, search view, k)`` with ``k`` the sequence drawn."""
        limit = cfg.frame_range if self.frame_range is None else self.frame_range
        for _ in range(MAX_ATTEMPTS):
            k = int(rng.integers(len(self)))
            frames = self._usable_frames(k, cfg)
            if len(frames) == 0:
                continue
            t = int(rng.integers(len(frames)))
            lo = np.searchsorted(frames, frames[t] - limit, side="left")
            hi = np.searchsorted(frames, frames[t] + limit, side="right")
            s = int(rng.integers(lo, hi))
            z = self._view(k, int(frames[t]))
            x = z if s == t else self._view(k, int(frames[s]))
            return z, x, k
        raise TrackingError(f"SequenceSource: no usable frames found in {MAX_ATTEMPTS} draws over {len(self)} "
                            "sequences (all absent, occluded, or outside the box filters)")

    def sample_view(self, rng, cfg: PairConfig, exclude=None):
        """A usable frame of a sequence other than ``exclude`` (when there is another): a negative search."""
        for _ in range(MAX_ATTEMPTS):
            k = int(rng.integers(len(self)))
            if k == exclude and len(self) > 1:
                continue
            frames = self._usable_frames(k, cfg)
            if len(frames):
                return self._view(k, int(frames[rng.integers(len(frames))]))
        raise TrackingError(f"SequenceSource: no usable frame found in {MAX_ATTEMPTS} draws")


class PairDataset(torch.utils.data.Dataset):
    """Item ``i`` of epoch ``e``: a dict with

    - ``z`` uint8 (template_size, template_size, 3) BGR template crop,
    - ``x`` uint8 (search_size, search_size, 3) BGR search crop,
    - ``box`` float32 (4,): the target's x, y, w, h in ``x`` pixels (for a negative pair, the other object's),
    - ``positive`` bool: False when ``x`` shows another sequence,
    - ``z_box`` float32 (4,): the target's box in ``z`` pixels,
    - ``z_angle``, ``x_angle`` float32: the rotation augmentation applied to each crop, degrees
      counter-clockwise (0 unless ``rotation`` is set).

    The item depends on ``(seed, epoch, i)`` only. With persistent DataLoader workers, call ``set_epoch`` before
    the workers are created (or recreate them), since each worker holds its own copy of the dataset.
    """

    def __init__(self, sources, cfg: PairConfig, seed: int, epoch: int = 0):
        self.sources = list(sources)
        if not self.sources:
            raise TrackingError("PairDataset: no pair sources given")
        weights = np.array([s.weight for s in self.sources], dtype=np.float64)
        if not (np.isfinite(weights).all() and (weights >= 0).all() and weights.sum() > 0):
            raise TrackingError(f"PairDataset: source weights must be >= 0 with a positive sum, got {weights}")
        self.probabilities = weights / weights.sum()
        self.cfg = cfg
        self.seed = int(seed)
        self.epoch = int(epoch)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.cfg.pairs_per_epoch

    def rng(self, index: int) -> np.random.Generator:
        """The generator of item ``index`` in the current epoch."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, self.epoch, int(index)]))

    def __getitem__(self, index: int) -> dict:
        cfg = self.cfg
        rng = self.rng(index)
        negative = bool(rng.random() < cfg.negative_rate)
        source_index = int(rng.choice(len(self.sources), p=self.probabilities))
        z_view, x_view, key = self.sources[source_index].sample_pair(rng, cfg)
        if negative:
            other = int(rng.choice(len(self.sources), p=self.probabilities))
            x_view = self.sources[other].sample_view(rng, cfg, exclude=key if other == source_index else None)

        z_side = context_side(object_size(z_view.box, z_view.polygon), cfg.context)
        x_side = context_side(object_size(x_view.box, x_view.polygon), cfg.context) * cfg.search_size / cfg.template_size
        z = augmented_crop(z_view, z_side, cfg.template_size, cfg.template_aug, rng)
        x = augmented_crop(x_view, x_side, cfg.search_size, cfg.search_aug, rng)
        return {
            "z": z.image,
            "x": x.image,
            "box": x.box,
            "positive": not negative,
            "z_box": z.box,
            "z_angle": np.float32(z.angle),
            "x_angle": np.float32(x.angle),
        }


class SyntheticSource(SequenceSource):
    """Pairs from generated sequences (:mod:`datasets.synthetic`): sequence ``k`` is rendered on demand from
    ``(seed, k)``, so a large family costs no memory or disk."""

    def __init__(self, n_sequences: int = 1000, weight: float = 1.0, seed: int = 0,
                 config: SyntheticConfig = SyntheticConfig(), frame_range=None):
        if n_sequences < 1:
            raise TrackingError(f"SyntheticSource: expected n_sequences >= 1, got {n_sequences}")
        self.n_sequences = int(n_sequences)
        self.weight = float(weight)
        self.seed = int(seed)
        self.config = config
        self.frame_range = frame_range
        self._usable = {}
        self._last = None  # (k, sequence): both frames of a pair come from one rendering of the textures

    def __len__(self) -> int:
        return self.n_sequences

    def sequence(self, k: int) -> Sequence:
        if self._last is None or self._last[0] != k:
            self._last = (k, make_sequence(sequence_seed(self.seed, k), self.config))
        return self._last[1]
