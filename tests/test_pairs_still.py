"""Still-image pairs: the search view's box is exactly where the transformed template patch lands, and the
crops show the same content at those places."""
import cv2
import numpy as np
import pytest

from core.crop import crop_matrix, transform_points
from core.errors import TrackingError
from datasets.augment import AugmentConfig, augmented_crop, context_side, object_size
from datasets.pairs import PairConfig, PairDataset
from datasets.still_pairs import StillImageSource, StillPairConfig


def _smooth_image(path, seed):
    """A smooth colourful image (bilinear sampling of it is accurate to a few levels)."""
    rng = np.random.default_rng(seed)
    img = cv2.resize(rng.integers(0, 256, (12, 16, 3)).astype(np.uint8), (320, 240), interpolation=cv2.INTER_CUBIC)
    cv2.imwrite(str(path), img)
    return cv2.imread(str(path))


def _bilinear(img, pts):
    """Colour at continuous points (pixel i covers [i, i+1))."""
    maps = (pts - 0.5).astype(np.float32)
    return cv2.remap(img, maps[:, :1].reshape(-1, 1), maps[:, 1:].reshape(-1, 1), cv2.INTER_LINEAR).reshape(-1, 3)


def test_search_box_is_the_transformed_patch(tmp_path):
    images = [_smooth_image(tmp_path / f"im{k}.png", k) for k in range(3)]
    source = StillImageSource([tmp_path], config=StillPairConfig(rotation=40.0, shear=0.2, stretch=0.2))
    assert len(source) == 3
    for seed in range(10):
        z, x, k = source.sample_pair(np.random.default_rng(seed))
        img = images[k]
        assert np.array_equal(z.image, img) and x.matrix is not None
        zx, zy, zw, zh = z.box
        assert 0 <= zx and 0 <= zy and zx + zw <= 320 and zy + zh <= 240
        corners = np.array([[zx, zy], [zx + zw, zy], [zx + zw, zy + zh], [zx, zy + zh]])
        moved = transform_points(x.matrix, corners)
        assert np.allclose(x.polygon, moved)
        assert np.allclose(x.box, [*moved.min(axis=0), *(moved.max(axis=0) - moved.min(axis=0))])
        # pixel check: the search crop shows, at the crop image of a patch point, the patch's colour there
        side = context_side(object_size(x.box, x.polygon), 0.5) * 2
        crop = augmented_crop(x, side, 255, AugmentConfig(), np.random.default_rng(0))
        rng = np.random.default_rng(seed)
        inner = corners[0] + rng.uniform(0.1, 0.9, (50, 2)) * [zw, zh]
        cx, cy = x.box[:2] + x.box[2:] / 2
        in_crop = transform_points(crop_matrix((cx, cy), side, 255), transform_points(x.matrix, inner))
        assert np.abs(_bilinear(crop.image, in_crop).astype(int) - _bilinear(img, inner).astype(int)).mean() < 4


def test_patches_avoid_flat_regions(tmp_path):
    img = np.full((240, 320, 3), 128, dtype=np.uint8)
    img[:, 200:] = np.random.default_rng(0).integers(0, 256, (240, 120, 3))  # texture on the right only
    cv2.imwrite(str(tmp_path / "half.png"), img)
    source = StillImageSource([tmp_path / "half.png"], config=StillPairConfig(max_size=0.3))
    for seed in range(20):
        z, _, _ = source.sample_pair(np.random.default_rng(seed))
        assert z.box[0] + z.box[2] > 200  # the patch reaches the textured part


def test_still_pairs_in_a_dataset_with_negatives(tmp_path):
    for k in range(3):
        _smooth_image(tmp_path / f"im{k}.png", k)
    cfg = PairConfig(template_size=63, search_size=127, negative_rate=0.5, pairs_per_epoch=20)
    ds = PairDataset([StillImageSource(sorted(tmp_path.iterdir()))], cfg, seed=0)
    items = [ds[i] for i in range(20)]
    assert {bool(it["positive"]) for it in items} == {True, False}
    assert all(it["x"].shape == (127, 127, 3) for it in items)


def test_missing_or_empty_paths_are_errors(tmp_path):
    with pytest.raises(TrackingError, match="no such image file or folder"):
        StillImageSource([tmp_path / "nope.jpg"])
    with pytest.raises(TrackingError, match="folder has no images"):
        StillImageSource([tmp_path])
    (tmp_path / "bad.jpg").write_text("not an image")
    with pytest.raises(TrackingError, match="bad.jpg: cannot read image"):
        StillImageSource([tmp_path]).sample_pair(np.random.default_rng(0))
