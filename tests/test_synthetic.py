"""Synthetic sequences: deterministic from the seed, the object's pixels lie in its ground-truth box, the stored
angle and outline match what is drawn, and the OTB-layout writer round-trips."""
import numpy as np
import pytest

from core.errors import TrackingError
from datasets.synthetic import SyntheticConfig, make_sequence, synthetic_benchmark, write_otb_layout
from datasets.benchmarks import load_benchmark


def _changed_pixels(seq, i):
    """Where frame ``i`` differs from the background: the object (its border always contrasts)."""
    return np.abs(seq.image(i).astype(int) - seq.background().astype(int)).sum(axis=2) > 30


def test_same_seed_same_sequence_other_seed_other_sequence():
    a, b, c = make_sequence(7), make_sequence(7), make_sequence(8)
    assert np.array_equal(a.ground_truth, b.ground_truth) and np.array_equal(a.meta["angle"], b.meta["angle"])
    for i in (0, 57):
        assert np.array_equal(a.image(i), b.image(i))
    assert not np.allclose(a.ground_truth, c.ground_truth)
    assert not np.array_equal(a.image(0), c.image(0))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_object_pixels_fill_the_ground_truth_box(seed):
    seq = make_sequence(seed, SyntheticConfig(n_frames=60))
    assert seq.image(0).shape == (240, 320, 3) and len(seq) == 60
    for i in (0, 19, 41, 59):
        ys, xs = np.nonzero(_changed_pixels(seq, i))
        pixel_box = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=float)
        x, y, w, h = seq.boxes[i]
        # anti-aliased corners may fall a pixel or two inside the exact outline, never outside it
        assert np.all(pixel_box[:2] >= [x - 1, y - 1]) and np.all(pixel_box[2:] <= [x + w + 1, y + h + 1])
        assert np.all(pixel_box[:2] <= [x + 2.5, y + 2.5]) and np.all(pixel_box[2:] >= [x + w - 2.5, y + h - 2.5])
        assert 0 <= x and 0 <= y and x + w <= 320 and y + h <= 240  # the object stays in the frame


def test_outline_angle_and_scale_agree_with_the_pixels():
    seq = make_sequence(5, SyntheticConfig(n_frames=80))
    first = seq.meta["polygon"][0].reshape(4, 2)
    base = np.linalg.norm(first[1] - first[0])
    for i in (0, 30, 79):
        poly = seq.meta["polygon"][i].reshape(4, 2)
        edge = poly[1] - poly[0]  # the texture's top edge, +x before rotation
        angle = np.degrees(np.arctan2(-edge[1], edge[0]))  # counter-clockwise on screen
        assert abs((angle - seq.meta["angle"][i] + 180) % 360 - 180) < 1e-6
        assert np.linalg.norm(edge) / base == pytest.approx(seq.meta["scale"][i], rel=1e-6)
        # the outline's centre is where the changed pixels are centred
        ys, xs = np.nonzero(_changed_pixels(seq, i))
        assert np.allclose([xs.mean() + 0.5, ys.mean() + 0.5], poly.mean(axis=0), atol=1.5)


def test_builtin_benchmark_is_fixed_and_has_rotation_and_scale_change():
    bench = synthetic_benchmark(n_sequences=6, n_frames=100, seed=0)
    again = synthetic_benchmark(n_sequences=6, n_frames=100, seed=0)
    assert [s.name for s in bench] == [f"synthetic_{k:02d}" for k in range(6)]
    for s, t in zip(bench, again):
        assert np.array_equal(s.ground_truth, t.ground_truth)
    assert np.array_equal(bench[2].image(50), again[2].image(50))
    for s in bench:
        angle, scale = s.meta["angle"], s.meta["scale"]
        assert angle[0] == 0.0 and scale[0] == 1.0  # upright first frame: a tight initial box
        speed = abs(angle[-1] - angle[0]) / (len(s) - 1)
        assert 0.5 < speed < 4.5
        assert 1 / 1.5 - 1e-9 <= scale.min() and scale.max() <= 1.5 + 1e-9
        assert scale.max() / scale.min() > 1.1
    assert len({s.name for s in synthetic_benchmark(3, 20, seed=1)}) == 3
    assert not np.allclose(synthetic_benchmark(1, 20, seed=1)[0].ground_truth, bench[0].ground_truth[:20])


def test_write_otb_layout_round_trips(tmp_path):
    seq = make_sequence(3, SyntheticConfig(n_frames=12))
    folder = write_otb_layout(seq, tmp_path)
    assert sorted(p.name for p in (folder / "img").iterdir())[:2] == ["0001.jpg", "0002.jpg"]
    (back,) = load_benchmark("folder", tmp_path)
    assert len(back) == 12
    assert np.allclose(back.boxes, seq.boxes, atol=0.006)  # two decimals in the file
    assert np.abs(back.image(7).astype(int) - seq.image(7).astype(int)).mean() < 3.0  # JPEG quality 95


def test_bad_config_is_an_error():
    with pytest.raises(TrackingError, match="synthetic.image_size"):
        SyntheticConfig(image_size=(16, 16))


def test_placements_use_the_crop_geometry_convention():
    from core.crop import crop_matrix
    from datasets.synthetic import placement_matrices

    m = placement_matrices((40, 20), [[100.0, 80.0], [50.0, 60.0]], [1.5, 0.7], [30.0, -115.0])
    for i, (centre, scale, angle) in enumerate((((100, 80), 1.5, 30.0), ((50, 60), 0.7, -115.0))):
        expected = crop_matrix((20, 10), 1.0 / scale, 1.0, angle=angle)
        expected[:, 2] += np.array(centre) - 0.5  # crop_matrix puts the centre at out / 2 = 0.5
        assert np.allclose(m[i], expected)
