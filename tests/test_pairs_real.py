"""Pairs from real video (../shared/data): frames within the range, the box where the ground truth maps, and
positive pairs showing the same object (their centres correlate far better than negative pairs')."""
from dataclasses import dataclass, field

import numpy as np

from datasets.augment import AugmentConfig, context_side, object_size
from datasets.benchmarks import load_benchmark
from datasets.pairs import PairConfig, PairDataset, SequenceSource
from datasets.sequence import Sequence


@dataclass
class Recorded(Sequence):
    """A real sequence that records which frames are read."""

    reads: list = field(default_factory=list)

    def image(self, index):
        self.reads.append(index)
        return super().image(index)


def _recorded(seq):
    return Recorded(name=seq.name, frames=seq.frames, ground_truth=seq.ground_truth, flags=seq.flags)


def _ncc(a, b):
    a = a.astype(np.float64).ravel() - a.mean()
    b = b.astype(np.float64).ravel() - b.mean()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9))


def test_pairs_from_otb_and_vot_sequences(shared_data):
    # Toy is a grayscale JPEG (decoded to 3 channels); Football1 has more images than boxes; bag has polygons;
    # LaSOT's sequence is loaded lazily
    loaded = load_benchmark("OTB2015", shared_data / "OTB", sequences=["Dog", "Toy", "Football1"])
    loaded += load_benchmark("VOT2018", shared_data / "VOT", sequences=["bag"])
    loaded += load_benchmark("LaSOT", shared_data / "LaSOT", sequences=["airplane-1"])
    seqs = [_recorded(s) for s in loaded]
    for s in seqs:
        s.image_size  # read (and cached) once here, so `reads` below holds only the pair's frames
    cfg = PairConfig(frame_range=5, template_aug=AugmentConfig(), search_aug=AugmentConfig())
    source = SequenceSource(seqs)
    ds = PairDataset([source], cfg, seed=0)
    centre = slice(64, 191)  # the x crop's central 127 pixels: the template's region at the same scale
    positives = []
    for i in range(15):
        for s in seqs:
            s.reads.clear()
        item = ds[i]
        (seq,) = [s for s in seqs if s.reads]
        t, x = (seq.reads * 2)[:2]
        assert abs(t - x) <= 5 and seq.valid[t] and seq.valid[x]
        assert item["z"].shape == (127, 127, 3) and item["x"].shape == (255, 255, 3)
        # the box is the ground truth (or the polygon's box) of the search frame, mapped into the crop
        poly = seq.ground_truth[x].reshape(4, 2) if seq.is_polygon else None
        side = context_side(object_size(seq.boxes[x], poly), 0.5) * 255 / 127
        assert np.allclose(item["box"], [127.5 - seq.boxes[x][2] * 255 / side / 2,
                                         127.5 - seq.boxes[x][3] * 255 / side / 2,
                                         *(seq.boxes[x][2:] * 255 / side)], atol=1e-3)
        positives.append(_ncc(item["z"], item["x"][centre, centre]))
    negative_ds = PairDataset([source], PairConfig(negative_rate=1.0, template_aug=AugmentConfig(),
                                                   search_aug=AugmentConfig()), seed=0)
    negatives = [_ncc(it["z"], it["x"][centre, centre]) for it in (negative_ds[i] for i in range(15))]
    assert np.median(positives) > 0.5
    assert np.median(positives) > np.median(negatives) + 0.3
