"""The got10k package as the oracle it is: its own ``ExperimentOTB`` and ``ExperimentGOT10k`` score the same
files as our harness (``eval.evaluate``), on folder trees built in a temporary directory, and agree to 1e-9.

OTB: eight sequences of OTB-100 (real ground truth from ``OTB100/OTB100.json``, among them David, Diving and
Football1 whose official frame ranges differ from their image folders), empty image files, and the published
raw results of five trackers; every other OTB-2015 folder is created empty so got10k finds the dataset
"downloaded" and never reaches for the network. got10k overwrites the first predicted box with the ground truth,
so ours runs with ``first_frame_gt=True``.

GOT-10k: a fake validation split (real boxes as ground truth, a resolution that cuts some of them, random cover
labels with invisible frames), three repetitions and their frame times written by our writer
(``eval.results_io.write_got10k``).

got10k draws plots after scoring; drawing is not under test, so it is switched off (it costs seconds).
"""
import json

import numpy as np
import pytest
from got10k.datasets import OTB
from got10k.experiments import ExperimentGOT10k, ExperimentOTB

from datasets.got10k import load_got10k
from datasets.otb import load_otb
from eval import results_io
from eval.evaluate import evaluate_tracker

OTB_SEQUENCES = {"Basketball": 725, "Bolt2": 293, "Couple": 140, "Crossing": 120, "David": 770, "Diving": 231,
                 "Football1": 81, "Skiing": 81}                     # name -> images in the official folder
FIRST_FRAME = {"David": 300}
TRACKERS = ["DaSiamRPN", "SiamRPN", "SiamRPN++", "ATOM", "MDNet"]


def _no_plots(experiment):
    experiment.plot_curves = lambda *args, **kwargs: None
    return experiment


@pytest.fixture(scope="module")
def otb_tree(shared_data, tmp_path_factory):
    """``(dataset root, result root)`` in got10k's layout: ``<root>/<Seq>/img/*.jpg``, ``groundtruth_rect.txt``
    and ``<results>/OTB2015/<Tracker>/<Seq>.txt`` (links to the published files)."""
    tmp = tmp_path_factory.mktemp("otb")
    root, results = tmp / "OTB100", tmp / "results" / "OTB2015"
    annotations = json.loads((shared_data / "OTB100" / "OTB100.json").read_text())
    for name in OTB._OTB__version_dict[2015]:                   # got10k's own list of the 100 folders
        (root / name).mkdir(parents=True)
    for name, images in OTB_SEQUENCES.items():
        img = root / name / "img"
        img.mkdir()
        for i in range(images):
            (img / f"{i + 1:04d}.jpg").touch()
        separator = "\t" if name == "Couple" else ","            # OTB mixes separators
        rows = [separator.join(str(v) for v in box) for box in annotations[name]["gt_rect"]]
        (root / name / "groundtruth_rect.txt").write_text("\n".join(rows) + "\n")
    for tracker in TRACKERS:
        published = shared_data / "OTB100" / "results" / tracker
        by_lower = {p.name.lower(): p for p in published.iterdir()}
        (results / tracker).mkdir(parents=True)
        for name in OTB_SEQUENCES:
            (results / tracker / f"{name}.txt").symlink_to(by_lower[f"{name.lower()}.txt"])
    return root, results


def test_otb_success_and_precision_equal_experiment_otb(otb_tree, tmp_path):
    root, results = otb_tree
    experiment = _no_plots(ExperimentOTB(str(root), version=2015, result_dir=str(results.parent),
                                         report_dir=str(tmp_path / "reports")))
    assert sorted(experiment.dataset.seq_names) == sorted(OTB_SEQUENCES)
    theirs = experiment.report(TRACKERS)
    sequences = load_otb(root, "OTB2015", sequences=list(OTB_SEQUENCES))
    assert {s.name: len(s) for s in sequences}["David"] == 471        # frames 300-770
    for tracker in TRACKERS:
        ours = evaluate_tracker("OTB2015", sequences, results / tracker, first_frame_gt=True)
        overall, reference = ours["overall"], theirs[tracker]["overall"]
        np.testing.assert_allclose(overall["success_curve"], reference["success_curve"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(overall["precision_curve"], reference["precision_curve"], rtol=0, atol=1e-9)
        assert overall["success_auc"] == pytest.approx(reference["success_score"], rel=0, abs=1e-9)
        assert overall["precision_20"] == pytest.approx(reference["precision_score"], rel=0, abs=1e-9)
        for name, scores in ours["per_sequence"].items():
            seq_reference = theirs[tracker]["seq_wise"][name]
            assert scores["success_auc"] == pytest.approx(seq_reference["success_score"], rel=0, abs=1e-9)
            assert scores["precision_20"] == pytest.approx(seq_reference["precision_score"], rel=0, abs=1e-9)
    # the trackers are told apart: the comparison is not between equal numbers
    aucs = [theirs[t]["overall"]["success_score"] for t in TRACKERS]
    assert max(aucs) - min(aucs) > 0.02


#: name -> (boxes from, resolution W x H, shift); the resolutions cut about a tenth to a half of the boxes on the
#: right or bottom, Couple's shift pushes boxes out on the left and top
GOT_SEQUENCES = {"GOT-10k_Val_000001": ("Crossing", (200, 240), (0, 0)),
                 "GOT-10k_Val_000002": ("Couple", (160, 130), (-60, -25)),
                 "GOT-10k_Val_000003": ("Skiing", (400, 300), (0, 0))}


@pytest.fixture(scope="module")
def got10k_tree(shared_data, tmp_path_factory):
    """``(dataset root, tracker result folders)``: ``<root>/val/list.txt``, per sequence ``00000001.jpg``..,
    ``groundtruth.txt``, the three label files and ``meta_info.ini``; results of two trackers (published OTB
    boxes plus noise, three repetitions, frame times)."""
    rng = np.random.default_rng(7)
    tmp = tmp_path_factory.mktemp("got10k")
    root, results = tmp / "GOT-10k", tmp / "results" / "GOT-10k"
    annotations = json.loads((shared_data / "OTB100" / "OTB100.json").read_text())
    (root / "val").mkdir(parents=True)
    (root / "val" / "list.txt").write_text("\n".join(GOT_SEQUENCES) + "\n")
    for name, (source, (width, height), shift) in GOT_SEQUENCES.items():
        folder = root / "val" / name
        folder.mkdir()
        gt = np.array(annotations[source]["gt_rect"], dtype=np.float64)
        gt[:, :2] += shift
        cut = (gt[:, 0] + gt[:, 2] > width) | (gt[:, 1] + gt[:, 3] > height) | (gt[:, :2] < 0).any(axis=1)
        assert 0.05 < cut.mean() < 0.6
        for i in range(len(gt)):
            (folder / f"{i + 1:08d}.jpg").touch()
        np.savetxt(folder / "groundtruth.txt", gt, fmt="%.4f", delimiter=",")
        cover = rng.integers(0, 9, len(gt))
        cover[rng.random(len(gt)) < 0.7] = 8
        np.savetxt(folder / "cover.label", cover, fmt="%d")
        np.savetxt(folder / "absence.label", (cover == 0).astype(int), fmt="%d")
        np.savetxt(folder / "cut_by_image.label", np.zeros(len(gt), int), fmt="%d")
        (folder / "meta_info.ini").write_text(f"[METAINFO]\nurl: none\nobject_class: person\n"
                                              f"resolution: ({width}, {height})\n")
        for tracker in ["DaSiamRPN", "MDNet"]:
            published = shared_data / "OTB100" / "results" / tracker / f"{source}.txt"
            boxes = results_io.read_onepass(published, len(gt), one_based=False) + [*shift, 0, 0]
            reps = [boxes + rng.normal(0, 3, boxes.shape) for _ in range(3)]
            times = [rng.uniform(0.01, 0.05, len(gt)) for _ in range(3)]
            for t in times:
                t[0] = 0.0                                           # the initialisation frame has no time
            results_io.write_got10k(results / tracker, name, reps, times)
    return root, results


def test_got10k_ao_sr_and_speed_equal_experiment_got10k(got10k_tree, tmp_path):
    root, results = got10k_tree
    experiment = _no_plots(ExperimentGOT10k(str(root), subset="val", result_dir=str(results.parent),
                                            report_dir=str(tmp_path / "reports")))
    theirs = experiment.report(["DaSiamRPN", "MDNet"])
    sequences = load_got10k(root, "val")
    assert np.linspace(0, 1, 101)[75] == 0.75                          # so SR0.75 is a point of their curve
    for tracker in ["DaSiamRPN", "MDNet"]:
        ours = evaluate_tracker("GOT10k-val", sequences, results / tracker)
        overall, reference = ours["overall"], theirs[tracker]["overall"]
        assert overall["ao"] == pytest.approx(reference["ao"], rel=0, abs=1e-9)
        assert overall["sr50"] == pytest.approx(reference["sr"], rel=0, abs=1e-9)
        assert overall["sr75"] == pytest.approx(reference["succ_curve"][75], rel=0, abs=1e-9)
        np.testing.assert_allclose(overall["success_curve"], reference["succ_curve"], rtol=0, atol=1e-9)
        assert overall["fps"] == pytest.approx(reference["speed_fps"], rel=1e-9)
        for name, scores in ours["per_sequence"].items():
            assert scores["ao"] == pytest.approx(theirs[tracker]["seq_wise"][name]["ao"], rel=0, abs=1e-9)
            assert scores["sr50"] == pytest.approx(theirs[tracker]["seq_wise"][name]["sr"], rel=0, abs=1e-9)
        assert 0.2 < overall["ao"] < 0.95 and overall["sr75"] < overall["sr50"]
