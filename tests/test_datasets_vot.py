"""VOT loader on the real bag (``color/`` layout) and ball1 (flat layout), on small trees with rectangles
and tags, and against the got10k package.

Coordinates: VOT regions are kept as written (see datasets/vot.py), so ours equal the file's numbers and the
got10k package's ``corner`` (polygon) output exactly.
"""
import numpy as np
import pytest

from datasets.vot import load_vot
from dataset_trees import boxes, got10k_datasets, write_images, write_rows


@pytest.mark.parametrize("name, frames, first, last, size, first_image", [
    ("bag", 196, (334.02, 128.36, 438.19, 188.78, 396.39, 260.83, 292.23, 200.41),
     (125.98, 124.13, 279.77, 90.122, 310.95, 231.12, 157.16, 265.13), (480, 360), "color/00000001.jpg"),
    ("ball1", 105, (492, 463, 539, 463, 539, 417, 492, 417),
     (434.168, 393.902, 483.651, 392.979, 482.832, 349.098, 433.349, 350.021), (1280, 720), "00000001.jpg"),
])
def test_real_vot_sequences(shared_data, name, frames, first, last, size, first_image):
    seq = load_vot(shared_data / "VOT", sequences=[name])[0]
    assert len(seq) == frames and seq.ground_truth.shape == (frames, 8) and seq.is_polygon
    np.testing.assert_allclose(seq.ground_truth[0], first)
    np.testing.assert_allclose(seq.ground_truth[-1], last)
    assert seq.image_size == size
    assert seq.frames[0] == shared_data / "VOT" / name / first_image
    assert seq.boxes.shape == (frames, 4) and seq.valid.all()


def test_real_list_loads_both(shared_data):
    assert [s.name for s in load_vot(shared_data / "VOT")] == ["bag", "ball1"]


def test_rectangles_tags_and_padding(tmp_path):
    write_images(tmp_path / "car" / "color", range(1, 7), "{:08d}.jpg")
    write_rows(tmp_path / "car" / "groundtruth.txt", boxes(6))
    (tmp_path / "car" / "occlusion.tag").write_text("0\n1\n1\n")          # stops at frame 3: padded
    (tmp_path / "car" / "camera_motion.label").write_text("1\n0\n0\n0\n0\n1\n")
    (tmp_path / "list.txt").write_text("car\n")
    seq = load_vot(tmp_path)[0]
    assert seq.ground_truth.shape == (6, 4) and not seq.is_polygon
    np.testing.assert_array_equal(seq.ground_truth, boxes(6))
    assert seq.tags["occlusion"].tolist() == [False, True, True, False, False, False]
    assert seq.tags["camera_motion"].tolist() == [True, False, False, False, False, True]


def test_mixed_rectangles_and_polygons_become_polygons(tmp_path):
    write_images(tmp_path / "s", range(1, 3), "{:08d}.jpg")
    (tmp_path / "s" / "groundtruth.txt").write_text("10,20,30,40\n1,2,3,2,3,4,1,4\n")
    (tmp_path / "list.txt").write_text("s\n")
    seq = load_vot(tmp_path)[0]
    np.testing.assert_array_equal(seq.ground_truth[0], [10, 20, 40, 20, 40, 60, 10, 60])
    np.testing.assert_array_equal(seq.boxes[1], [1, 2, 2, 2])


def test_got10k_package_reads_the_same_regions(shared_data, capsys):
    """got10k's VOT globs ``<seq>/*.jpg`` (the flat layout only) and returns the polygons as written."""
    VOT = got10k_datasets().VOT
    theirs = VOT(str(shared_data / "VOT"), version=2016, anno_type="default", download=False)
    img_files, anno = theirs["ball1"]
    ours = load_vot(shared_data / "VOT", sequences=["ball1"])[0]
    assert [str(f) for f in ours.frames] == img_files
    np.testing.assert_array_equal(ours.ground_truth, anno)
