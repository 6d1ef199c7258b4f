"""OTB loaders on the real sequences and on small trees with every OTB quirk; the pysot JSON as a second
source; and agreement with the got10k package reading the same folders.

Coordinates: OTB files are 1-based; our boxes are 0-based, so each expected box below is the file's numbers
with 1 taken from x and y.
"""
import warnings

import numpy as np
import pytest

from core.errors import TrackingError
from datasets.coverage import MissingSequencesWarning
from datasets.otb import load_otb
from datasets.pysot_json import load_pysot_json
from dataset_trees import boxes, got10k_datasets, touch_images, write_images, write_rows

ONE_BASED_SHIFT = np.array([1.0, 1.0, 0.0, 0.0])


def load_real(shared_data, *names):
    return {s.name: s for s in load_otb(shared_data / "OTB", sequences=list(names))}


@pytest.mark.parametrize("name, frames, first, last, size", [
    ("Crossing", 120, (205, 151, 17, 50), (56, 93, 14, 36), (360, 240)),
    ("Couple", 140, (51, 47, 25, 62), (130, 25, 39, 90), (320, 240)),
    ("Football1", 74, (153, 105, 26, 43), (212, 136, 31, 43), (352, 288)),
    ("Diving", 215, (177, 51, 21, 129), (142, 69, 70, 109), (400, 224)),
    ("Toy", 271, (152, 102, 40, 67), (60, 71, 74, 94), (320, 240)),
])
def test_real_otb_sequences(shared_data, name, frames, first, last, size):
    seq = load_real(shared_data, name)[name]
    assert len(seq) == frames and seq.ground_truth.shape == (frames, 4)
    np.testing.assert_array_equal(seq.ground_truth[0], np.array(first) - ONE_BASED_SHIFT)
    np.testing.assert_array_equal(seq.ground_truth[-1], np.array(last) - ONE_BASED_SHIFT)
    assert seq.image_size == size
    assert seq.frames[0].name == "0001.jpg" and seq.frames[-1].name == f"{frames:04d}.jpg"
    assert seq.valid.all()


def test_football1_and_diving_use_the_official_range_not_all_images(shared_data):
    seqs = load_real(shared_data, "Football1", "Diving")
    assert len(list((shared_data / "OTB/Football1/img").glob("*.jpg"))) == 81
    assert len(list((shared_data / "OTB/Diving/img").glob("*.jpg"))) == 231
    assert [len(seqs["Football1"]), len(seqs["Diving"])] == [74, 215]


def test_grayscale_toy_decodes_to_three_channel_bgr(shared_data):
    import cv2
    seq = load_real(shared_data, "Toy")["Toy"]
    raw = cv2.imread(str(seq.frames[0]), cv2.IMREAD_UNCHANGED)
    img = seq.image(0)
    assert raw.ndim == 2 and img.shape == raw.shape + (3,) and img.dtype == np.uint8
    assert (img[..., 0] == img[..., 1]).all() and (img[..., 1] == img[..., 2]).all()


def test_tab_separated_files_parse_like_numpy(shared_data):
    for name in ("Crossing", "Couple", "Toy", "Vase"):
        text = (shared_data / "OTB" / name / "groundtruth_rect.txt").read_text()
        assert "\t" in text and "," not in text
        expected = np.loadtxt(shared_data / "OTB" / name / "groundtruth_rect.txt") - ONE_BASED_SHIFT
        np.testing.assert_array_equal(load_real(shared_data, name)[name].ground_truth, expected)


def test_real_attributes_are_otb_codes(shared_data):
    seqs = load_real(shared_data, "Crossing", "Diving")
    assert seqs["Crossing"].attributes == ["SV", "DEF", "BC"]
    assert seqs["Diving"].attributes == ["SV", "DEF", "IPR"]


def test_partial_real_root_warns_and_loads_present(shared_data):
    with pytest.warns(MissingSequencesWarning, match=r"79 of 100 OTB2015 sequences missing: Basketball, Bird1"):
        seqs = load_otb(shared_data / "OTB")
    assert len(seqs) == 21 and "Crossing" in [s.name for s in seqs]
    with pytest.raises(TrackingError, match="79 of 100 OTB2015 sequences missing"):
        load_otb(shared_data / "OTB", strict=True)


# --- the pysot JSON ------------------------------------------------------------------------------------------

HALF_RESOLUTION = {"Bolt", "Soccer", "Girl2"}  # stored halved in shared/data, so their boxes differ on purpose


def test_pysot_json_matches_the_layout_loader(shared_data):
    from_json = {s.name: s for s in load_pysot_json(shared_data / "OTB100/OTB100.json", root=shared_data / "OTB")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingSequencesWarning)
        from_layout = [s for s in load_otb(shared_data / "OTB") if s.name not in HALF_RESOLUTION]
    assert len(from_layout) == 18
    for seq in from_layout:
        other = from_json[seq.name]
        np.testing.assert_array_equal(other.ground_truth, seq.ground_truth, err_msg=seq.name)
        assert other.frames == seq.frames and other.attributes == seq.attributes


def test_pysot_json_alone_is_enough_to_evaluate(shared_data):
    seqs = {s.name: s for s in load_pysot_json(shared_data / "OTB100/OTB100.json")}
    assert len(seqs) == 100
    david, tiger = seqs["David"], seqs["Tiger1"]
    assert (len(david), david.frames[0].name, david.frames[-1].name) == (471, "0300.jpg", "0770.jpg")
    assert (len(tiger), tiger.frames[0].name) == (349, "0006.jpg")
    np.testing.assert_array_equal(david.ground_truth[0], [128, 79, 64, 78])  # file: 129,80,64,78
    assert seqs["Jogging-1"].frames == seqs["Jogging-2"].frames
    assert seqs["Board"].frames[0].name == "00001.jpg"
    assert seqs["Human4-2"].attributes == ["IV", "SV", "OCC", "DEF"]


# --- OTB quirks on small trees ------------------------------------------------------------------------------

def make_otb_folder(root, name, numbers, annotation_rows, annotation="groundtruth_rect.txt", sep=",",
                    pattern="{:04d}.jpg"):
    write_images(root / name / "img", numbers, pattern)
    write_rows(root / name / annotation, annotation_rows, sep)


def load_quiet(root, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingSequencesWarning)
        return {s.name: s for s in load_otb(root, **kw)}


def test_two_target_folders_and_human4(tmp_path):
    make_otb_folder(tmp_path, "Jogging", range(1, 6), boxes(5), "groundtruth_rect.1.txt")
    write_rows(tmp_path / "Jogging/groundtruth_rect.2.txt", boxes(5, start=100))
    make_otb_folder(tmp_path, "Human4", range(1, 4), boxes(3, start=50), "groundtruth_rect.2.txt")
    (tmp_path / "Human4/groundtruth_rect.1.txt").write_text("")  # empty in the official download
    seqs = load_quiet(tmp_path)
    assert sorted(seqs) == ["Human4-2", "Jogging-1", "Jogging-2"]
    assert seqs["Jogging-1"].frames == seqs["Jogging-2"].frames
    assert seqs["Jogging-1"].ground_truth[0, 0] == 9 and seqs["Jogging-2"].ground_truth[0, 0] == 99
    assert seqs["Human4-2"].ground_truth[0, 0] == 49


@pytest.mark.parametrize("alias, name", [("jogging_1", "Jogging-1"), ("Jogging.1", "Jogging-1"),
                                         ("Jogging-2", "Jogging-2"), ("JOGGING_2", "Jogging-2"),
                                         ("human4", "Human4-2"), ("Human4.2", "Human4-2")])
def test_target_aliases(tmp_path, alias, name):
    make_otb_folder(tmp_path, "Jogging", range(1, 4), boxes(3), "groundtruth_rect.1.txt")
    write_rows(tmp_path / "Jogging/groundtruth_rect.2.txt", boxes(3))
    make_otb_folder(tmp_path, "Human4", range(1, 4), boxes(3), "groundtruth_rect.2.txt")
    assert [s.name for s in load_otb(tmp_path, sequences=[alias])] == [name]


def test_official_frame_ranges_pick_frames_by_number(tmp_path):
    for name, numbers, n_boxes in [("David", range(1, 771), 471),      # frames 300-770 of 770
                                   ("BlurCar1", range(247, 989), 742),  # the folder starts at 0247
                                   ("Freeman3", range(1, 471), 460)]:   # 460 of 470 images
        touch_images(tmp_path / name / "img", numbers, "{:04d}.jpg")
        write_rows(tmp_path / name / "groundtruth_rect.txt", boxes(n_boxes))
    write_images(tmp_path / "David" / "img", [300])
    seqs = load_quiet(tmp_path)
    assert [seqs["David"].frames[i].name for i in (0, -1)] == ["0300.jpg", "0770.jpg"]
    assert [seqs["BlurCar1"].frames[i].name for i in (0, -1)] == ["0247.jpg", "0988.jpg"]
    assert len(seqs["Freeman3"]) == 460 and seqs["Freeman3"].frames[-1].name == "0460.jpg"
    assert seqs["David"].image(0)[0, 0, 0] == 300 % 256  # the image really is frame 300


def test_tiger1_file_annotating_from_frame_one_is_cut_to_the_official_range(tmp_path):
    make_otb_folder(tmp_path, "Tiger1", range(1, 355), boxes(354))
    seq = load_quiet(tmp_path)["Tiger1"]
    assert len(seq) == 349 and seq.frames[0].name == "0006.jpg"
    assert seq.ground_truth[0, 0] == boxes(354)[5][0] - 1


def test_frame_range_with_wrong_box_count_names_file_and_range(tmp_path):
    touch_images(tmp_path / "David" / "img", range(1, 771), "{:04d}.jpg")
    write_rows(tmp_path / "David" / "groundtruth_rect.txt", boxes(400))
    with pytest.raises(TrackingError, match=r"David/groundtruth_rect.txt: 400 boxes; expected 471 .*300-770"):
        load_otb(tmp_path, sequences=["David"])


def test_board_five_digit_names(tmp_path):
    make_otb_folder(tmp_path, "Board", range(1, 13), boxes(12), pattern="{:05d}.jpg")
    seq = load_quiet(tmp_path)["Board"]
    assert len(seq) == 12 and seq.frames[9].name == "00010.jpg"  # numeric, not lexicographic, order


@pytest.mark.parametrize("sep", [",", "\t", " ", ", ", "\t "])
def test_separators(tmp_path, sep):
    make_otb_folder(tmp_path, "Crossing", range(1, 4), boxes(3), sep=sep)
    np.testing.assert_array_equal(load_quiet(tmp_path)["Crossing"].ground_truth, np.array(boxes(3)) - ONE_BASED_SHIFT)


def test_otb2013_and_tb50_lists(tmp_path):
    make_otb_folder(tmp_path, "Basketball", range(1, 4), boxes(3))   # in all three
    make_otb_folder(tmp_path, "Bird2", range(1, 4), boxes(3))        # OTB-2015 only
    make_otb_folder(tmp_path, "Tiger2", range(1, 4), boxes(3))       # OTB-2013 and TB-50
    assert sorted(load_quiet(tmp_path, version="OTB2013")) == ["Basketball", "Tiger2"]
    assert sorted(load_quiet(tmp_path, version="TB50")) == ["Basketball", "Tiger2"]
    assert sorted(load_quiet(tmp_path, version="OTB2015")) == ["Basketball", "Bird2", "Tiger2"]
    with pytest.warns(MissingSequencesWarning, match=r"49 of 51 OTB2013 sequences missing"):
        load_otb(tmp_path, version="OTB2013")


def test_lists_have_official_sizes():
    from datasets.otb_tables import ATTRIBUTES, OTB2013, OTB2015, SEQUENCE_ATTRIBUTES, TB50
    assert (len(OTB2013), len(OTB2015), len(TB50), len(ATTRIBUTES)) == (51, 100, 50, 11)
    assert set(OTB2013) <= set(OTB2015) and set(TB50) <= set(OTB2015)
    assert set(SEQUENCE_ATTRIBUTES) == set(OTB2015)
    assert all(set(v.split()) <= set(ATTRIBUTES) for v in SEQUENCE_ATTRIBUTES.values())


# --- the got10k package on the same folders ------------------------------------------------------------------

def test_got10k_package_reads_the_same_boxes(shared_data, capsys):
    """got10k's OTB returns the file's numbers unchanged (1-based) and the same frame lists (it hard-codes
    David, Football1, Freeman3, Freeman4 and Diving); ours are those numbers minus 1 in x and y."""
    OTB = got10k_datasets().OTB
    theirs = OTB(str(shared_data / "OTB"), version=2015, download=False)
    ours = load_quiet(shared_data / "OTB")
    assert sorted(theirs.seq_names) == sorted(ours)
    for name in theirs.seq_names:
        img_files, anno = theirs[name]
        assert [str(f) for f in ours[name].frames] == img_files
        np.testing.assert_array_equal(ours[name].ground_truth, anno - ONE_BASED_SHIFT, err_msg=name)


def test_got10k_package_agrees_on_two_target_folders(tmp_path, capsys):
    """got10k names the two Jogging targets ``Jogging.1`` / ``Jogging.2``; our aliases accept that spelling."""
    OTB = got10k_datasets().OTB
    make_otb_folder(tmp_path, "Jogging", range(1, 6), boxes(5), "groundtruth_rect.1.txt")
    write_rows(tmp_path / "Jogging/groundtruth_rect.2.txt", boxes(5, start=100))
    theirs = OTB(str(tmp_path), version=2015, download=False)
    for their_name in ("Jogging.1", "Jogging.2"):
        ours = load_otb(tmp_path, sequences=[their_name])[0]
        img_files, anno = theirs[their_name]
        assert [str(f) for f in ours.frames] == img_files
        np.testing.assert_array_equal(ours.ground_truth, anno - ONE_BASED_SHIFT)
