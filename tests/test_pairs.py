"""Pair sampling: frame range, visibility and box filters, negatives at the set rate, source weights, and items
that depend on (seed, epoch, index) only, in one process or in DataLoader workers."""
import numpy as np
import pytest
import torch

from core.errors import TrackingError
from datasets.augment import AugmentConfig
from datasets.pairs import PairConfig, PairDataset, SequenceSource, SyntheticSource, usable_frames
from datasets.synthetic import SyntheticConfig
from pair_fixtures import recording_sequence

PLAIN = dict(template_aug=AugmentConfig(), search_aug=AugmentConfig())


def _filtered_sequence():
    """20 frames on a 160x120 image; frames 3..9 are unusable, each for a different reason."""
    boxes = np.tile([50.0, 40.0, 30.0, 20.0], (20, 1))
    boxes[3] = np.nan  # no ground truth
    boxes[4, 2] = 0.0  # zero width
    boxes[7] = [50, 40, 4, 4]  # area 16 < 20
    boxes[8] = [10, 40, 100, 10]  # aspect 10 > 4
    boxes[9] = [0, 0, 150, 110]  # sqrt(area ratio) 0.93 > 0.75
    flags = {"absent": np.zeros(20, bool), "cover": np.full(20, 8), "full_occlusion": np.zeros(20, bool),
             "out_of_view": np.zeros(20, bool)}
    flags["absent"][5] = True
    flags["cover"][6] = 0
    flags["full_occlusion"][10] = True
    flags["out_of_view"][11] = True
    return recording_sequence("filtered", boxes, flags=flags)


def test_usable_frames_apply_visibility_and_box_filters():
    seq = _filtered_sequence()
    expected = [0, 1, 2] + list(range(12, 20))
    assert usable_frames(seq, PairConfig()).tolist() == expected
    # the filters are knobs: relaxing them admits the frames they excluded
    relaxed = PairConfig(min_area=1.0, max_aspect=20.0, max_relative_size=1.0, min_cover=0)
    assert usable_frames(seq, relaxed).tolist() == [0, 1, 2, 6, 7, 8, 9] + list(range(12, 20))


def test_sampled_pairs_use_usable_frames_within_the_frame_range():
    seq = _filtered_sequence()
    long_seq = recording_sequence("long", np.tile([50.0, 40.0, 30.0, 20.0], (300, 1)))
    cfg = PairConfig(frame_range=10)
    usable = set(usable_frames(seq, cfg).tolist())
    gaps = []
    for source, allowed in ((SequenceSource([seq]), usable), (SequenceSource([long_seq]), set(range(300)))):
        for i in range(200):
            s = source.sequences[0]
            s.reads.clear()
            source.sample_pair(np.random.default_rng(i), cfg)
            t, x = (s.reads * 2)[:2]  # a pair of the same frame is read once
            assert t in allowed and x in allowed and abs(t - x) <= 10
            gaps.append(abs(t - x))
    assert max(gaps) == 10  # the whole range is used
    # a source's own frame range overrides the config's
    source = SequenceSource([long_seq], frame_range=2)
    for i in range(50):
        long_seq.reads.clear()
        source.sample_pair(np.random.default_rng(i), cfg)
        t, x = (long_seq.reads * 2)[:2]
        assert abs(t - x) <= 2


def test_source_without_usable_frames_is_an_error():
    seq = recording_sequence("empty", np.full((5, 4), np.nan))
    with pytest.raises(TrackingError, match="no usable frames"):
        SequenceSource([seq]).sample_pair(np.random.default_rng(0), PairConfig())


def _coloured_sources(n=6):
    """Sequences whose frames are uniform images of distinct colours: a crop's colour tells its sequence."""
    seqs = [recording_sequence(f"s{k}", np.tile([60.0, 50.0, 30.0, 20.0], (30, 1)), colour=(20 * k, 100, 30))
            for k in range(n)]
    return seqs


def _sequence_of(crop):
    return int(round(np.median(crop[..., 0]) / 20))


def test_negative_pairs_come_from_another_sequence_at_the_set_rate():
    cfg = PairConfig(template_size=31, search_size=63, negative_rate=0.3, **PLAIN)
    ds = PairDataset([SequenceSource(_coloured_sources())], cfg, seed=0)
    negatives = 0
    n = 600
    for i in range(n):
        item = ds[i]
        same = _sequence_of(item["z"]) == _sequence_of(item["x"])
        assert same == item["positive"]
        negatives += not item["positive"]
    assert abs(negatives / n - 0.3) < 3 * np.sqrt(0.3 * 0.7 / n)
    assert all(PairDataset([SequenceSource(_coloured_sources())], PairConfig(template_size=31, search_size=63),
                           seed=0)[i]["positive"] for i in range(50))


def test_sources_are_mixed_by_weight():
    seqs = _coloured_sources(2)
    cfg = PairConfig(template_size=31, search_size=63, **PLAIN)
    ds = PairDataset([SequenceSource(seqs[:1], weight=3.0), SequenceSource(seqs[1:], weight=1.0)], cfg, seed=1)
    n = 400
    first = sum(_sequence_of(ds[i]["z"]) == 0 for i in range(n)) / n
    assert abs(first - 0.75) < 3 * np.sqrt(0.75 * 0.25 / n)
    with pytest.raises(TrackingError, match="weights"):
        PairDataset([SequenceSource(seqs, weight=0.0)], cfg, seed=0)


def _synthetic_dataset(seed=0, epoch=0):
    cfg = PairConfig(template_size=63, search_size=127, negative_rate=0.2, pairs_per_epoch=16,
                     search_aug=AugmentConfig(shift=16, scale=0.2, rotation=30, flip=0.5, color=0.5, gray=0.2,
                                              blur=0.2))
    source = SyntheticSource(n_sequences=20, seed=4, config=SyntheticConfig(n_frames=40))
    return PairDataset([source], cfg, seed=seed, epoch=epoch)


def _same(a, b):
    return all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in a)


def test_items_depend_on_seed_epoch_and_index_only():
    ds = _synthetic_dataset()
    item = ds[5]
    assert item["z"].shape == (63, 63, 3) and item["z"].dtype == np.uint8
    assert item["x"].shape == (127, 127, 3) and item["x"].dtype == np.uint8
    assert item["box"].shape == (4,) and item["box"].dtype == np.float32
    assert set(item) == {"z", "x", "box", "positive", "z_box", "z_angle", "x_angle"}
    ds[3], ds[9]  # other draws in between change nothing
    assert _same(item, ds[5]) and _same(item, _synthetic_dataset()[5])
    assert not _same(item, ds[6])
    ds.set_epoch(1)
    assert not _same(item, ds[5])
    assert _same(ds[5], _synthetic_dataset(epoch=1)[5])
    assert not _same(item, _synthetic_dataset(seed=1)[5])


def test_dataloader_workers_give_the_same_items_as_one_process():
    ds = _synthetic_dataset()
    single = [ds[i] for i in range(len(ds))]
    loader = torch.utils.data.DataLoader(ds, batch_size=4, num_workers=2, shuffle=False)
    batches = list(loader)
    assert batches[0]["z"].shape == (4, 63, 63, 3) and batches[0]["positive"].dtype == torch.bool
    for b, batch in enumerate(batches):
        for j in range(4):
            for key, value in single[4 * b + j].items():
                assert np.array_equal(batch[key][j].numpy(), np.asarray(value)), key


def test_synthetic_pairs_keep_the_box_on_the_object():
    """With no augmentation, the search box is the object's outline box mapped into the crop: centred, and
    scaled by search_size / region side."""
    cfg = PairConfig(pairs_per_epoch=8, **PLAIN)
    # objects held at the centre of a large frame, so the crops need no padding (whose edge would be an edge)
    source = SyntheticSource(n_sequences=5, seed=2,
                             config=SyntheticConfig(image_size=(640, 480), n_frames=30, translation=0.0))
    ds = PairDataset([source], cfg, seed=0)
    for i in range(8):
        item = ds[i]
        box = item["box"]
        assert np.allclose(box[:2] + box[2:] / 2, 127.5, atol=1e-3)
        assert np.allclose(item["z_box"][:2] + item["z_box"][2:] / 2, 63.5, atol=1e-3)
        # the object's strong edges (its contrasting border; the background is smooth) span the box
        x = item["x"].astype(int)
        edges = np.zeros(x.shape[:2], bool)
        edges[:, 1:] |= np.abs(np.diff(x, axis=1)).sum(axis=2) > 90
        edges[1:, :] |= np.abs(np.diff(x, axis=0)).sum(axis=2) > 90
        ys, xs = np.nonzero(edges)
        found = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=float)
        assert np.allclose(found, [box[0], box[1], box[0] + box[2], box[1] + box[3]], atol=3.0), (found, box)


def test_bad_config_is_an_error():
    with pytest.raises(TrackingError, match="negative_rate"):
        PairConfig(negative_rate=2.0)
    with pytest.raises(TrackingError, match="template_size"):
        PairConfig(template_size=300)


def test_configs_parse_from_yaml_mappings():
    from core.config import from_dict

    cfg = from_dict(PairConfig, {"search_size": 287, "negative_rate": 0.2,
                                 "search_aug": {"rotation": 30, "flip": 0.5}}, where="data.pairs")
    assert cfg.search_size == 287 and cfg.search_aug.rotation == 30.0 and cfg.search_aug.flip == 0.5
    assert cfg.template_aug == AugmentConfig(shift=4.0, scale=0.05)  # defaults kept for sections not given
    with pytest.raises(TrackingError, match=r"data.pairs.search_aug: unknown key\(s\) rotate; valid keys:"):
        from_dict(PairConfig, {"search_aug": {"rotate": 30}}, where="data.pairs")
    syn = from_dict(SyntheticConfig, {"image_size": [640, 480], "rotation_speed": [2, 5]}, where="synthetic")
    assert syn.image_size == (640, 480) and syn.rotation_speed == (2.0, 5.0)
