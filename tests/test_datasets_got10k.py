"""GOT-10k loader on small trees (absence and cover labels, meta_info.ini, the test split's first-frame-only
ground truth), its lazy listing, and agreement with the got10k package (both use the boxes as written).
"""
import numpy as np
import pytest

from core.errors import TrackingError
from datasets.got10k import load_got10k
from datasets.lazy import LazySequence
from dataset_trees import boxes, got10k_datasets, write_images, write_rows

META = """[METAINFO]
url: https://youtu.be/abc?t=1
begin: 00:00:01
end: 00:00:03
anno_fps: 10Hz
object_class: zebra
motion_class: walking
major_class: odd-toed ungulate
root_class: animal
motion_adverb: slowly
resolution: (16, 12)
"""


def make_got10k_sequence(split_dir, name, n, test=False):
    folder = split_dir / name
    write_images(folder, range(1, n + 1), "{:08d}.jpg")
    write_rows(folder / "groundtruth.txt", boxes(1 if test else n))
    if not test:
        (folder / "absence.label").write_text("0\n0\n1\n0\n0\n"[: 2 * n])
        (folder / "cover.label").write_text("8\n8\n0\n5\n8\n"[: 2 * n])
        (folder / "cut_by_image.label").write_text("0\n0\n0\n0\n1\n"[: 2 * n])
        (folder / "meta_info.ini").write_text(META)
    return folder


def make_split(root, split, names, n=5):
    for name in names:
        make_got10k_sequence(root / split, name, n, test=split == "test")
    (root / split / "list.txt").write_text("\n".join(names) + "\n")


def test_val_split_labels_meta_and_validity(tmp_path):
    make_split(tmp_path, "val", ["GOT-10k_Val_000001", "GOT-10k_Val_000002"])
    seqs = load_got10k(tmp_path, "val")
    assert [s.name for s in seqs] == ["GOT-10k_Val_000001", "GOT-10k_Val_000002"]
    seq = seqs[0]
    assert len(seq) == 5 and seq.frames[0].name == "00000001.jpg"
    np.testing.assert_array_equal(seq.ground_truth, boxes(5))
    assert seq.flags["absent"].tolist() == [False, False, True, False, False]
    assert seq.flags["cover"].tolist() == [8, 8, 0, 5, 8]
    assert seq.flags["cut_by_image"].tolist() == [False, False, False, False, True]
    assert seq.valid.tolist() == [True, True, False, True, True]   # the absent frame is not a box
    assert seq.meta["object_class"] == "zebra" and seq.meta["url"] == "https://youtu.be/abc?t=1"
    assert seq.meta["resolution"] == (16, 12) and seq.image_size == (16, 12)


def test_test_split_has_first_frame_only(tmp_path):
    make_split(tmp_path, "test", ["GOT-10k_Test_000001"], n=4)
    seq = load_got10k(tmp_path, "test")[0]
    assert len(seq) == 4 and seq.ground_truth.shape == (4, 4)
    np.testing.assert_array_equal(seq.ground_truth[0], boxes(1)[0])
    assert np.isnan(seq.ground_truth[1:]).all() and seq.valid.tolist() == [True, False, False, False]


def test_split_folder_itself_as_root(tmp_path):
    make_split(tmp_path, "train", ["GOT-10k_Train_000001"])
    assert load_got10k(tmp_path / "train", "train")[0].name == "GOT-10k_Train_000001"


def test_listing_reads_no_annotation_file(tmp_path):
    make_split(tmp_path, "train", ["a", "b"])
    (tmp_path / "train" / "b" / "groundtruth.txt").write_text("not, a, box\n")   # broken, but not read yet
    seqs = load_got10k(tmp_path, "train")
    assert all(isinstance(s, LazySequence) and not s.is_loaded for s in seqs)
    assert len(seqs[0]) == 5 and seqs[0].is_loaded and not seqs[1].is_loaded
    with pytest.raises(TrackingError, match=r"b/groundtruth.txt:1: non-numeric value 'not'"):
        seqs[1].ground_truth


def test_lazy_sequences_pickle(tmp_path):
    import pickle
    make_split(tmp_path, "val", ["v1"])
    seq = pickle.loads(pickle.dumps(load_got10k(tmp_path, "val")[0]))
    np.testing.assert_array_equal(seq.ground_truth, boxes(5))


def test_got10k_package_reads_the_same_tree(tmp_path):
    make_split(tmp_path, "val", ["GOT-10k_Val_000001", "GOT-10k_Val_000002"])
    make_split(tmp_path, "test", ["GOT-10k_Test_000001"])
    GOT10k = got10k_datasets().GOT10k
    for split in ("val", "test"):
        theirs = GOT10k(str(tmp_path), subset=split, return_meta=split == "val")
        for ours in load_got10k(tmp_path, split):
            item = theirs[ours.name]
            img_files, anno = item[0], item[1]
            assert [str(f) for f in ours.frames] == img_files
            np.testing.assert_array_equal(ours.ground_truth[: len(anno)], anno)
            if split == "val":
                meta = item[2]
                np.testing.assert_array_equal(ours.flags["absent"], meta["absence"])
                np.testing.assert_array_equal(ours.flags["cover"], meta["cover"])
                assert ours.meta["object_class"] == meta["object_class"]
