"""Every bad input of the dataset loaders is a TrackingError naming the file (and line) and what was expected;
NaN and zero-size boxes are legal and flagged invalid."""
import re

import numpy as np
import pytest

from core.errors import TrackingError
from datasets.benchmarks import BENCHMARK_NAMES, load_benchmark
from datasets.folder import load_folder
from datasets.got10k import load_got10k
from datasets.otb import load_otb
from datasets.vot import load_vot
from dataset_trees import boxes, write_images, write_rows


def otb_tree(root, name="Crossing", n_images=3, rows=None):
    write_images(root / name / "img", range(1, n_images + 1))
    write_rows(root / name / "groundtruth_rect.txt", boxes(n_images) if rows is None else rows)
    return root / name


@pytest.mark.parametrize("benchmark", BENCHMARK_NAMES)
def test_missing_root(tmp_path, benchmark):
    with pytest.raises(TrackingError, match=re.escape(str(tmp_path / "absent")) + ".*does not exist"):
        load_benchmark(benchmark, tmp_path / "absent")


def test_requested_sequence_missing(tmp_path):
    otb_tree(tmp_path)
    with pytest.raises(TrackingError, match=r"requested OTB2015 sequence\(s\) not found: Couple"):
        load_otb(tmp_path, sequences=["Crossing", "Couple"])
    with pytest.raises(TrackingError, match=r"unknown sequence 'Crossingg' in OTB2015; expected one of: "):
        load_otb(tmp_path, sequences=["Crossingg"])


def test_listed_sequence_missing_warns_or_fails_when_strict(tmp_path):
    write_images(tmp_path / "bag" / "color", range(1, 3), "{:08d}.jpg")
    write_rows(tmp_path / "bag" / "groundtruth.txt", boxes(2))
    (tmp_path / "list.txt").write_text("bag\nball1\n")
    with pytest.warns(UserWarning, match=r"1 of 2 VOT2018 sequences missing: ball1; loading the 1 present"):
        assert [s.name for s in load_vot(tmp_path)] == ["bag"]
    with pytest.raises(TrackingError, match=r"1 of 2 VOT2018 sequences missing: ball1 \(strict"):
        load_vot(tmp_path, strict=True)


def test_empty_image_folder(tmp_path):
    (tmp_path / "Crossing" / "img").mkdir(parents=True)
    write_rows(tmp_path / "Crossing" / "groundtruth_rect.txt", boxes(3))
    with pytest.raises(TrackingError, match=r"Crossing/img: empty image folder; expected frames such as 0001.jpg"):
        load_otb(tmp_path, sequences=["Crossing"])


@pytest.mark.parametrize("text, message", [
    ("1,2,3,4\n1,2,3\n", r"groundtruth_rect.txt:2: found 3 values in '1,2,3'; expected 4 numbers \(x,y,w,h\)"),
    ("1,2,3,4\n5,6,x7,8\n", r"groundtruth_rect.txt:2: non-numeric value 'x7'; expected 4 numbers"),
    ("1,2,3,4\n\n5,6,7,8\n", r"groundtruth_rect.txt:2: empty line; expected one annotation per line"),
    ("", r"groundtruth_rect.txt: no boxes; expected one x,y,w,h line per frame"),
])
def test_malformed_ground_truth(tmp_path, text, message):
    folder = otb_tree(tmp_path)
    (folder / "groundtruth_rect.txt").write_text(text)
    with pytest.raises(TrackingError, match=message):
        load_folder(tmp_path)


def test_missing_ground_truth_file(tmp_path):
    write_images(tmp_path / "clip" / "img", range(1, 3))
    with pytest.raises(TrackingError, match=r"clip/groundtruth_rect.txt: file not found"):
        load_folder(tmp_path)


def test_more_boxes_than_frames(tmp_path):
    otb_tree(tmp_path, n_images=3, rows=boxes(5))
    with pytest.raises(TrackingError, match=r"groundtruth_rect.txt: 5 boxes for 3 images in .*Crossing/img; "
                                            r"expected at most one box per image"):
        load_otb(tmp_path, sequences=["Crossing"])


def test_vot_polygon_file_longer_than_frames(tmp_path):
    write_images(tmp_path / "s", range(1, 3), "{:08d}.jpg")
    (tmp_path / "s" / "groundtruth.txt").write_text("1,2,3,2,3,4,1,4\n" * 3)
    (tmp_path / "list.txt").write_text("s\n")
    with pytest.raises(TrackingError, match=r"s/groundtruth.txt: 3 boxes for 2 images"):
        load_vot(tmp_path)


def test_label_file_longer_than_frames(tmp_path):
    write_images(tmp_path / "val" / "v", range(1, 3), "{:08d}.jpg")
    write_rows(tmp_path / "val" / "v" / "groundtruth.txt", boxes(2))
    (tmp_path / "val" / "v" / "absence.label").write_text("0\n0\n1\n")
    (tmp_path / "val" / "list.txt").write_text("v\n")
    seq = load_got10k(tmp_path, "val")[0]
    with pytest.raises(TrackingError, match=r"v/absence.label: 3 labels for 2 frames"):
        seq.flags


def test_unreadable_image_raises_when_that_frame_is_read(tmp_path):
    folder = otb_tree(tmp_path, n_images=3)
    (folder / "img" / "0002.jpg").write_bytes(b"not a jpeg")
    seq = load_otb(tmp_path, sequences=["Crossing"])[0]          # loading reads no image
    assert seq.image(0).shape == (12, 16, 3)
    with pytest.raises(TrackingError, match=r"Crossing/img/0002.jpg: cannot read image"):
        seq.image(1)


@pytest.mark.parametrize("entry", ["../outside", "/etc", "a/../../b", "C:\\data\\seq", "\\\\server\\share", "."])
def test_list_entries_escaping_the_root_are_refused(tmp_path, entry):
    (tmp_path / "list.txt").write_text(f"ok\n{entry}\n")
    with pytest.raises(TrackingError, match=re.escape(f"list.txt:2: entry {entry!r} escapes the dataset root")):
        load_vot(tmp_path)
    (tmp_path / "val").mkdir()
    (tmp_path / "val" / "list.txt").write_text(f"{entry}\n")
    with pytest.raises(TrackingError, match=r"list.txt:1: entry .* escapes the dataset root"):
        load_got10k(tmp_path, "val")


def test_nan_and_zero_size_boxes_are_legal_and_invalid(tmp_path):
    otb_tree(tmp_path, n_images=4, rows=[(10, 10, 5, 5), (float("nan"),) * 4, (0, 0, 0, 0), (10, 10, 5, 0)])
    seq = load_otb(tmp_path, sequences=["Crossing"])[0]
    assert seq.valid.tolist() == [True, False, False, False]
    assert np.isnan(seq.ground_truth[1]).all()                   # stays NaN, never a box
    np.testing.assert_array_equal(seq.ground_truth[0], [9, 9, 5, 5])


def test_unknown_benchmark_lists_the_valid_names(tmp_path):
    with pytest.raises(TrackingError, match=r"unknown benchmark 'OTB2016'; expected one of OTB2013, OTB2015"):
        load_benchmark("OTB2016", tmp_path)


def test_got10k_without_list_file(tmp_path):
    with pytest.raises(TrackingError, match=r"no GOT-10k list file; expected .*val/list.txt"):
        load_got10k(tmp_path, "val")
