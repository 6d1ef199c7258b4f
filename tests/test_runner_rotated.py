"""The rotated benchmark: rotated frames and their carried ground truth still enclose the same pixels."""
import cv2
import numpy as np
import pytest
import shapely

from datasets.sequence import Sequence
from eval.onepass import polygon_success_auc
from eval.results_io import read_polygons, write_polygons
from eval.rotated import canvas_side, rotate_sequence
from eval.runners.benchmark import score
from eval.runners.jobs import OnePassJob, TrackerSpec
from tracker.base import Tracker, TrackState

BACKGROUND = (40, 40, 40)
TARGET = (60, 200, 120)
RECT = (30, 20, 50, 30)  # x, y, w, h (0-based, continuous): covers pixels 30..79 x 20..49


def _synthetic_sequence(tmp_path, n=4, size=(120, 90)):
    """A plain frame with one solid rectangle, the rectangle as ground truth, repeated ``n`` times."""
    w, h = size
    img = np.empty((h, w, 3), np.uint8)
    img[:] = BACKGROUND
    x, y, rw, rh = RECT
    img[y:y + rh, x:x + rw] = TARGET
    frames = []
    for i in range(n):
        path = tmp_path / f"{i + 1:04d}.png"
        cv2.imwrite(str(path), img)
        frames.append(path)
    return Sequence("Synthetic", frames, np.tile(np.asarray(RECT, float), (n, 1)))


def _pixel_centres(side):
    ys, xs = np.mgrid[0:side, 0:side]
    return xs.ravel() + 0.5, ys.ravel() + 0.5


def _is(colour, pixels, tol=3):
    return (np.abs(pixels.astype(int) - np.asarray(colour)) <= tol).all(axis=-1)


@pytest.mark.parametrize("step", [37.0, -12.5, 90.0])
def test_rotated_frame_and_carried_polygon_enclose_the_same_pixels(tmp_path, step):
    rotated = rotate_sequence(_synthetic_sequence(tmp_path), step)
    side = canvas_side((120, 90))
    assert side == 150 and rotated.image_size == (150, 150)
    for i in range(len(rotated)):
        img = rotated.image(i)
        assert img.shape == (side, side, 3)
        polygon = shapely.Polygon(rotated.ground_truth[i].reshape(4, 2))
        assert polygon.area == pytest.approx(50 * 30)
        xs, ys = _pixel_centres(side)
        pixels = img.reshape(-1, 3)
        inside = shapely.contains_xy(polygon.buffer(-1.0), xs, ys)
        outside = ~shapely.contains_xy(polygon.buffer(1.0), xs, ys)
        assert inside.sum() > 1000
        assert _is(TARGET, pixels[inside]).all()
        assert not _is(TARGET, pixels[outside], tol=30).any()
        # the rectangle's colour appears nowhere but around the carried polygon: its area is preserved
        assert abs(int(_is(TARGET, pixels, tol=30).sum()) - 50 * 30) < 0.1 * 50 * 30
        # the axis-aligned ground truth is the polygon's bounding box
        x1, y1, x2, y2 = polygon.bounds
        assert np.allclose(rotated.boxes[i], [x1, y1, x2 - x1, y2 - y1])


def test_angle_grows_by_the_step_and_frame_zero_is_only_recentred(tmp_path):
    seq = _synthetic_sequence(tmp_path)
    rotated = rotate_sequence(seq, 10.0)
    # frame 0: unrotated, shifted to the canvas centre by ((150-120)/2, (150-90)/2)
    assert np.allclose(rotated.ground_truth[0], [45, 50, 95, 50, 95, 80, 45, 80])
    img0 = rotated.image(0)
    assert np.array_equal(img0[30:120, 15:135], seq.image(0))
    assert (img0[:30] == 0).all()  # the canvas outside the frame is black
    # the polygon's edge direction turns by exactly the step per frame (counter-clockwise on screen: y up)
    for i in range(len(rotated)):
        p = rotated.ground_truth[i].reshape(4, 2)
        edge = p[1] - p[0]
        assert np.degrees(np.arctan2(-edge[1], edge[0])) == pytest.approx(10.0 * i)


def test_frames_without_a_target_stay_without_one(tmp_path):
    seq = _synthetic_sequence(tmp_path)
    seq.ground_truth[2] = np.nan
    rotated = rotate_sequence(seq, 5.0)
    assert list(rotated.valid) == [True, True, False, True]


def test_polygon_auc_counts_absent_targets_and_nan_predictions_as_misses(tmp_path):
    """UAV2's group2_2 has NaN rows (target absent): turned, their polygons are NaN, which GEOS refuses; they and a
    NaN prediction must score as misses, the other frames as before."""
    seq = _synthetic_sequence(tmp_path)
    seq.ground_truth[2] = np.nan
    rotated = rotate_sequence(seq, 30.0)
    pred = rotated.ground_truth.copy()
    assert np.isnan(pred[2]).all()
    assert polygon_success_auc([rotated], {"Synthetic": pred}) == pytest.approx(3 * 20 / (4 * 21))
    pred[1] = np.nan
    assert polygon_success_auc([rotated], {"Synthetic": pred}) == pytest.approx(2 * 20 / (4 * 21))


def test_polygon_scores_and_files(tmp_path):
    rotated = rotate_sequence(_synthetic_sequence(tmp_path), 30.0)
    gt = rotated.ground_truth
    assert polygon_success_auc([rotated], {"Synthetic": gt}) == pytest.approx(20 / 21)
    # scoring the axis-aligned boxes as polygons: frames 0 (0 deg) and 3 (90 deg) are exact; at 30 and 60 deg the
    # rectangle fills 1500 / (bbox area) of its bounding box
    boxes_as_polygons = np.array([shapely.Polygon(p.reshape(4, 2)).envelope.exterior.coords[:4] for p in gt])
    iou = 1500 / (rotated.boxes[1, 2] * rotated.boxes[1, 3])
    assert iou == pytest.approx(1500 / ((50 * np.cos(np.pi / 6) + 15) * (25 + 30 * np.cos(np.pi / 6))))
    assert polygon_success_auc([rotated], {"Synthetic": boxes_as_polygons.reshape(-1, 8)}) == pytest.approx(
        (2 * (iou > np.linspace(0, 1, 21)).sum() + 2 * 20) / (4 * 21))
    write_polygons(tmp_path / "p.txt", gt, one_based=True)
    assert np.allclose(read_polygons(tmp_path / "p.txt", 4, one_based=True), gt, atol=1e-4)


def test_rotated_boxes_are_written_beside_the_boxes_and_scored_apart(tmp_path):
    """A tracker that reports the carried polygon exactly: the one-pass job writes ``polygons/<Seq>.txt`` (1-based,
    as OTB-style files are) and the benchmark score adds the polygon success AUC of a perfect tracker."""
    rotated = rotate_sequence(_synthetic_sequence(tmp_path), 30.0)

    class PolygonEcho(Tracker):
        def initialize(self, image, box):
            self.frame = 0

        def step(self, image):
            self.frame += 1
            return TrackState(box=rotated.boxes[self.frame], corners=rotated.ground_truth[self.frame])

    out = tmp_path / "results" / "Echo"
    OnePassJob(TrackerSpec("echo"), out, one_based=True, tracker=PolygonEcho()).run(rotated, on_frame=lambda n: None)
    written = np.loadtxt(out / "polygons" / "Synthetic.txt", delimiter=",")
    assert np.allclose(written, rotated.ground_truth + 1.0, atol=1e-4)
    report = score("OTB100", [rotated], out)
    assert report["overall"]["polygon_success_auc"] == pytest.approx(20 / 21)
    assert report["overall"]["success_auc"] == pytest.approx(20 / 21)
