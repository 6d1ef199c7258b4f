"""Crop geometry: known regions of a known image come out where the matrix says, boxes follow the pixels."""
import numpy as np

from core.crop import crop_matrix, invert, transform_box, transform_points, warp


def _ramp_image(h=60, w=80):
    ys, xs = np.mgrid[0:h, 0:w]
    return np.stack([xs, ys, (xs + ys) % 256], axis=-1).astype(np.uint8)


def test_identity_size_crop_copies_the_region():
    img = _ramp_image()
    # the 20x20 region with top-left (30, 10): centre (40, 20)
    crop = warp(img, crop_matrix((40, 20), 20, 20), 20)
    assert np.array_equal(crop, img[10:30, 30:50])


def test_upscaled_crop_samples_the_region_and_pads_with_the_mean():
    img = _ramp_image()
    crop = warp(img, crop_matrix((40, 20), 20, 40), 40)
    # pixel (u, v) of a 2x crop samples source x = 30 + (u + 0.5)/2 - 0.5 in pixel-centre coordinates
    assert abs(float(crop[0, 10, 0]) - (30 + 10.5 / 2 - 0.5)) <= 0.5
    outside = warp(img, crop_matrix((-100, -100), 10, 10), 10)
    assert np.allclose(outside[0, 0], img.reshape(-1, 3).mean(axis=0), atol=0.51)


def test_rotation_moves_points_and_boxes_consistently():
    m = crop_matrix((50, 50), 100, 100, angle=90)
    # 90 degrees counter-clockwise on screen: a point right of the centre goes above it
    assert np.allclose(transform_points(m, [[60, 50]]), [[50, 40]])
    assert np.allclose(transform_points(invert(m), transform_points(m, [[3, 7]])), [[3, 7]])
    assert np.allclose(transform_box(m, [40, 45, 20, 10]), [45, 40, 10, 20])


def test_flip_mirrors_left_right():
    img = _ramp_image()
    crop = warp(img, crop_matrix((40, 30), (80, 60), (80, 60), flip=True), (80, 60))
    assert np.array_equal(crop, img[:, ::-1])
