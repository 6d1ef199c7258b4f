"""Crops with augmentation: the returned box stays on the object's pixels under shift, scale, stretch, flip and
rotation; the returned angle is the rotation the pixels show; photometric changes do what they say."""
import numpy as np
import pytest

from core.errors import TrackingError
from datasets.augment import AugmentConfig, FrameView, augmented_crop, context_side, object_size

BOX = np.array([150.0, 100.0, 60.0, 40.0])


def _scene():
    """A gray image with a 60x40 rectangle whose left half is blue and right half red (BGR)."""
    img = np.full((300, 400, 3), 40, dtype=np.uint8)
    x, y, w, h = BOX.astype(int)
    img[y:y + h, x:x + w // 2] = (255, 0, 0)
    img[y:y + h, x + w // 2:x + w] = (0, 0, 255)
    return img


def _object_pixels(crop):
    """Pixels of the rectangle in a crop: strongly blue or strongly red."""
    b, r = crop[..., 0].astype(int), crop[..., 2].astype(int)
    return (b > 150) | (r > 150)


def _pixel_box(mask):
    ys, xs = np.nonzero(mask)
    return np.array([xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()], dtype=float)


GEOMETRIC = [
    AugmentConfig(),
    AugmentConfig(shift=40.0),
    AugmentConfig(scale=0.3, stretch=0.2),
    AugmentConfig(flip=1.0, shift=20.0),
    AugmentConfig(rotation=180.0),
    AugmentConfig(shift=40.0, scale=0.3, stretch=0.2, flip=0.5, rotation=180.0),
]


@pytest.mark.parametrize("cfg", GEOMETRIC)
def test_box_follows_the_object_pixels(cfg):
    view = FrameView(_scene(), BOX)
    side = context_side(BOX[2:], 0.5) * 255 / 127
    for seed in range(6):
        crop = augmented_crop(view, side, 255, cfg, np.random.default_rng(seed))
        assert crop.image.shape == (255, 255, 3) and crop.image.dtype == np.uint8
        assert crop.box.dtype == np.float32
        # bilinear edges: the pixel extent matches the continuous box within a pixel and a half
        assert np.allclose(_pixel_box(_object_pixels(crop.image)), crop.box, atol=1.5), (seed, crop.box)


def test_plain_crop_centres_the_object_at_the_siamfc_scale():
    view = FrameView(_scene(), BOX)
    side = context_side(BOX[2:], 0.5)  # p = 50: sqrt(110 * 90)
    assert side == pytest.approx(np.sqrt(110 * 90))
    crop = augmented_crop(view, side, 127, AugmentConfig(), np.random.default_rng(0))
    k = 127 / side
    assert np.allclose(crop.box, [63.5 - 30 * k, 63.5 - 20 * k, 60 * k, 40 * k], atol=1e-4)
    assert crop.angle == 0.0


def test_shift_moves_the_target_by_at_most_the_setting():
    view = FrameView(_scene(), BOX)
    centres = []
    for seed in range(40):
        crop = augmented_crop(view, 200.0, 255, AugmentConfig(shift=30.0), np.random.default_rng(seed))
        centres.append(crop.box[:2] + crop.box[2:] / 2 - 127.5)
    centres = np.array(centres)
    assert np.abs(centres).max() <= 30.0 + 1e-4
    assert np.abs(centres).max() > 20.0  # the shifts actually spread over the range


def test_returned_angle_is_the_rotation_the_pixels_show():
    view = FrameView(_scene(), BOX)
    for seed in range(8):
        crop = augmented_crop(view, 200.0, 255, AugmentConfig(rotation=90.0), np.random.default_rng(seed))
        assert -90.0 <= crop.angle <= 90.0
        img = crop.image.astype(int)
        blue = np.argwhere(img[..., 0] > 150).mean(axis=0)[::-1]  # (x, y) centroids
        red = np.argwhere(img[..., 2] > 150).mean(axis=0)[::-1]
        # left half to right half points along +x of the object; counter-clockwise on screen is -y in images
        direction = red - blue
        measured = np.degrees(np.arctan2(-direction[1], direction[0]))
        assert abs(measured - crop.angle) < 2.0, (seed, measured, crop.angle)


def test_flip_mirrors_the_object():
    view = FrameView(_scene(), BOX)
    for flip, blue_left in ((0.0, True), (1.0, False)):
        crop = augmented_crop(view, 200.0, 255, AugmentConfig(flip=flip), np.random.default_rng(0))
        img = crop.image.astype(int)
        blue_x = np.argwhere(img[..., 0] > 150)[:, 1].mean()
        red_x = np.argwhere(img[..., 2] > 150)[:, 1].mean()
        assert (blue_x < red_x) == blue_left


def test_photometric_changes():
    view = FrameView(_scene(), BOX)
    plain = augmented_crop(view, 200.0, 127, AugmentConfig(), np.random.default_rng(3)).image
    gray = augmented_crop(view, 200.0, 127, AugmentConfig(gray=1.0), np.random.default_rng(3)).image
    assert np.array_equal(gray[..., 0], gray[..., 1]) and np.array_equal(gray[..., 1], gray[..., 2])
    blurred = augmented_crop(view, 200.0, 127, AugmentConfig(blur=1.0), np.random.default_rng(3)).image
    assert np.abs(np.diff(blurred.astype(int), axis=1)).max() < np.abs(np.diff(plain.astype(int), axis=1)).max()
    changes = [np.abs(augmented_crop(view, 200.0, 127, AugmentConfig(color=1.0), np.random.default_rng(s)).image
                      .astype(int) - plain).mean() for s in range(5)]
    assert max(changes) > 5.0


def test_same_generator_state_gives_the_same_crop_and_draw_order_is_fixed():
    view = FrameView(_scene(), BOX)
    cfg = AugmentConfig(shift=40.0, scale=0.3, rotation=45.0, flip=0.5, color=1.0, gray=0.3, blur=0.3)
    a = augmented_crop(view, 200.0, 127, cfg, np.random.default_rng(11))
    b = augmented_crop(view, 200.0, 127, cfg, np.random.default_rng(11))
    assert np.array_equal(a.image, b.image) and np.array_equal(a.box, b.box) and a.angle == b.angle
    # turning photometric knobs off leaves the geometry of the same draw unchanged
    c = augmented_crop(view, 200.0, 127, AugmentConfig(shift=40.0, scale=0.3, rotation=45.0, flip=0.5),
                       np.random.default_rng(11))
    assert np.array_equal(a.box, c.box) and a.angle == c.angle


def test_outline_gives_the_rotation_invariant_object_size():
    square = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 20.0], [0.0, 20.0]])
    t = np.radians(30)
    rot = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])
    assert np.allclose(object_size(None, square @ rot.T + 5), [10.0, 20.0])
    assert np.allclose(object_size([1, 2, 3, 4]), [3, 4])


def test_bad_settings_are_errors():
    with pytest.raises(TrackingError, match="augment.flip"):
        AugmentConfig(flip=1.5)
    with pytest.raises(TrackingError, match="augment.shift"):
        AugmentConfig(shift=-1)
