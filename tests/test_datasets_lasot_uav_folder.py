"""LaSOT (real sample and small trees), UAV123/UAV20L sub-sequences on small trees, and the generic folder
dataset on the real aerial sequences; each against the got10k package where it reads the same tree.

Coordinates: LaSOT's and UAV123's boxes are kept as written (as the got10k package keeps them); the folder
dataset uses OTB's layout and so its 1-based convention (x and y minus 1).
"""
import numpy as np
import pytest

from datasets.folder import load_folder
from datasets.lasot import load_lasot
from datasets.uav import load_uav
from dataset_trees import boxes, got10k_datasets, touch_images, write_images, write_rows


# --- LaSOT -------------------------------------------------------------------------------------------------

def test_real_lasot_sample(shared_data):
    with pytest.warns(UserWarning, match="279 of 280 LaSOT sequences missing"):
        seqs = load_lasot(shared_data / "LaSOT")
    assert [s.name for s in seqs] == ["airplane-1"]
    seq = seqs[0]
    assert len(seq) == 500 and seq.frames[-1].name == "00000500.jpg"
    np.testing.assert_array_equal(seq.ground_truth[[0, -1]], [[367, 101, 41, 16], [272, 164, 95, 29]])
    assert seq.image_size == (640, 360)
    assert seq.flags["full_occlusion"].shape == (500,) and seq.flags["out_of_view"].shape == (500,)
    assert seq.meta["nlp"] == "white airplane landing on ground"


def make_lasot_sequence(root, name, n, flat=False):
    folder = root / name if flat else root / name.rsplit("-", 1)[0] / name
    write_images(folder / "img", range(1, n + 1), "{:08d}.jpg")
    write_rows(folder / "groundtruth.txt", boxes(n))
    (folder / "full_occlusion.txt").write_text(",".join("1" if i == 2 else "0" for i in range(n)))
    (folder / "out_of_view.txt").write_text(",".join("1" if i == 3 else "0" for i in range(n)))
    (folder / "nlp.txt").write_text("a small test target\n")
    return folder


def test_lasot_tree_flags_and_both_layouts(tmp_path):
    make_lasot_sequence(tmp_path, "bear-2", 5)
    make_lasot_sequence(tmp_path, "bear-4", 4, flat=True)
    make_lasot_sequence(tmp_path, "bear-1", 3)              # a training video: not in the test split
    seqs = {s.name: s for s in load_lasot(tmp_path, sequences=["bear-2", "bear-4"])}
    assert seqs["bear-2"].flags["full_occlusion"].tolist() == [False, False, True, False, False]
    assert seqs["bear-2"].flags["out_of_view"].tolist() == [False, False, False, True, False]
    assert len(seqs["bear-4"]) == 4 and seqs["bear-2"].meta["nlp"] == "a small test target"
    assert [s.name for s in load_lasot(tmp_path, split="all")] == ["bear-1", "bear-2", "bear-4"]


def test_lasot_test_split_table():
    from datasets.lasot_split import TEST_SPLIT, TEST_VIDEOS
    assert len(TEST_SPLIT) == 280 == len(set(TEST_SPLIT)) and len(TEST_VIDEOS) == 70
    assert TEST_SPLIT[:4] == ("airplane-1", "airplane-9", "airplane-13", "airplane-15")


def test_got10k_package_reads_the_same_lasot_boxes(tmp_path):
    """got10k 0.1.3's LaSOT constructor cannot run (it passes ``_check_integrity`` an argument too many and
    calls ``basename`` on a generator), so its reader is given the paths its constructor would compute
    (``<root>/<class>/<name>/img`` and ``groundtruth.txt``); its reading of them is compared with ours."""
    LaSOT = got10k_datasets().LaSOT
    folder = make_lasot_sequence(tmp_path, "bear-2", 5)
    theirs = LaSOT.__new__(LaSOT)
    theirs.return_meta, theirs.seq_names = True, ["bear-2"]
    theirs.seq_dirs, theirs.anno_files = [str(folder / "img")], [str(folder / "groundtruth.txt")]
    img_files, anno, meta = theirs["bear-2"]
    ours = load_lasot(tmp_path, sequences=["bear-2"])[0]
    assert [str(f) for f in ours.frames] == img_files
    np.testing.assert_array_equal(ours.ground_truth, anno)
    np.testing.assert_array_equal(ours.flags["full_occlusion"], meta["full_occlusion"].astype(bool))
    assert ours.meta["nlp"] == meta["nlp"]


# --- UAV123 / UAV20L -----------------------------------------------------------------------------------------

def make_truck4(root):
    """The recording ``truck4``: UAV123 cuts it into truck4_1 (frames 1-577) and truck4_2 (577-1261)."""
    touch_images(root / "data_seq/UAV123/truck4", range(1, 1262))
    write_images(root / "data_seq/UAV123/truck4", [577], "{:06d}.jpg")
    first = boxes(577)
    first[100] = (float("nan"),) * 4
    write_rows(root / "anno/UAV123/truck4_1.txt", first)
    write_rows(root / "anno/UAV123/truck4_2.txt", boxes(685, start=500))


def test_uav123_sub_sequences_share_one_folder(tmp_path):
    make_truck4(tmp_path)
    with pytest.warns(UserWarning, match="121 of 123 UAV123 sequences missing"):
        seqs = {s.name: s for s in load_uav(tmp_path)}
    one, two = seqs["truck4_1"], seqs["truck4_2"]
    assert (len(one), one.frames[0].name, one.frames[-1].name) == (577, "000001.jpg", "000577.jpg")
    assert (len(two), two.frames[0].name, two.frames[-1].name) == (685, "000577.jpg", "001261.jpg")
    assert one.frames[0].parent == two.frames[0].parent
    assert two.image(0).shape == (12, 16, 3)
    assert one.flags["absent"].sum() == 1 and not one.valid[100] and one.valid.sum() == 576
    assert np.isnan(one.ground_truth[100]).all()       # kept NaN: never treated as a box
    np.testing.assert_array_equal(two.ground_truth[0], boxes(1, start=500)[0])


def test_uav20l_whole_recordings(tmp_path):
    touch_images(tmp_path / "data_seq/UAV123/car3", range(1, 1718))
    write_rows(tmp_path / "anno/UAV20L/car3.txt", boxes(1717))
    seq = load_uav(tmp_path, "UAV20L", sequences=["car3"])[0]
    assert len(seq) == 1717 and seq.frames[-1].name == "001717.jpg"


def test_got10k_package_reads_the_same_uav123_tree(tmp_path):
    make_truck4(tmp_path)
    (tmp_path / "extra_1").mkdir()
    (tmp_path / "extra_2").mkdir()  # got10k insists on more than three entries in the root
    theirs = got10k_datasets().UAV123(str(tmp_path), version="UAV123")
    ours = {s.name: s for s in load_uav(tmp_path, sequences=["truck4_1", "truck4_2"])}
    for name in ("truck4_1", "truck4_2"):
        img_files, anno = theirs[name]
        assert [str(f) for f in ours[name].frames] == img_files
        np.testing.assert_array_equal(ours[name].ground_truth, anno)


# --- the generic folder dataset on the real aerial sequences --------------------------------------------------

@pytest.mark.parametrize("name, frames", [("wakeboard7", 67), ("wakeboard10", 157), ("boat5", 169),
                                          ("Surfing06", 106), ("MountainBike6", 81), ("Animal3", 309),
                                          ("BMX3", 121), ("Gull1", 120), ("Gull2", 237)])
def test_real_aerial_sequences_through_the_folder_dataset(shared_data, name, frames):
    seq = load_folder(shared_data / "UAV", sequences=[name])[0]
    written = np.loadtxt(shared_data / "UAV" / name / "groundtruth_rect.txt", delimiter=",")
    assert len(seq) == frames == len(written) and seq.frames[-1].name == f"{frames:04d}.jpg"
    np.testing.assert_array_equal(seq.ground_truth[[0, -1]], written[[0, -1]] - [1, 1, 0, 0])
    assert seq.image_size == (640, 360) and seq.image(frames - 1).shape == (360, 640, 3)


def test_folder_dataset_takes_any_names_without_otb_rules(tmp_path):
    write_images(tmp_path / "my video" / "img", range(1, 4), "frame_{:03d}.png")
    write_rows(tmp_path / "my video" / "groundtruth_rect.txt", boxes(3), sep="\t")
    write_images(tmp_path / "David" / "img", range(1, 6))     # no OTB range applies: all 5 annotated frames
    write_rows(tmp_path / "David" / "groundtruth_rect.txt", boxes(5))
    (tmp_path / "notes").mkdir()                               # no img/: not a sequence
    seqs = {s.name: s for s in load_folder(tmp_path)}
    assert sorted(seqs) == ["David", "my video"]
    assert len(seqs["David"]) == 5 and seqs["my video"].frames[2].name == "frame_003.png"
    np.testing.assert_array_equal(seqs["my video"].ground_truth[0], np.array(boxes(1)[0]) - [1, 1, 0, 0])
    zero_based = load_folder(tmp_path, sequences=["David"], one_based=False)[0]
    np.testing.assert_array_equal(zero_based.ground_truth, boxes(5))
