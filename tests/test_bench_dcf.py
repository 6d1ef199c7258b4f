"""The DCF benchmark's pieces: angle error against the known turn, the seed summary and the "ahead" rule, and the
variant / split syntax of benchmarks/bench_dcf.py."""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.boxes import box_to_polygon
from core.errors import TrackingError
from datasets.sequence import Sequence
from eval.rotated import angle_errors, polygon_angles, rotate_sequence
from eval.seeds import compare, needed_wins, seed_group, verdict
from tracker.geometry import rotated_corners

REPO = Path(__file__).resolve().parents[1]

REPO = Path(__file__).resolve().parents[1]
STEP = 10.0
N = 24  # turns reach 230 degrees, so wrapping matters


@pytest.fixture
def rotated():
    """A 24-frame sequence of a 40x20 box (frames never read: only the geometry is used), turned 10 deg/frame."""
    boxes = np.tile([50.0, 60.0, 40.0, 20.0], (N, 1))
    boxes[5] = np.nan  # a frame without a target
    source = Sequence("S", [f"{i}.jpg" for i in range(N)], boxes, _image_size=(200, 150))
    return rotate_sequence(source, STEP)


def test_the_rotated_ground_truth_has_no_angle_error(rotated):
    """The corner order of the rotated ground truth and of rotated_corners agree: first edge = the turn."""
    errors = angle_errors(rotated, np.nan_to_num(rotated.ground_truth))
    assert np.isnan(errors[0]) and np.isnan(errors[5])
    np.testing.assert_allclose(np.delete(errors, [0, 5]), 0.0, atol=1e-9)


def test_angle_error_of_a_tracker_that_lags_or_does_not_turn(rotated):
    truth = STEP * np.arange(N)
    lag = np.where(np.arange(N) % 2 == 0, 7.0, -12.0)  # alternately behind and ahead
    tracked = np.stack([rotated_corners((100.0, 90.0), (40.0, 20.0), a).reshape(8) for a in truth - lag])
    errors = angle_errors(rotated, tracked)
    keep = np.ones(N, bool)
    keep[[0, 5]] = False
    np.testing.assert_allclose(errors[keep], np.abs(lag[keep]), atol=1e-9)
    # upright boxes (no rotation estimate): the error is the turn itself, wrapped: 230 deg -> 130 deg
    upright = angle_errors(rotated, box_to_polygon(np.tile([90.0, 80.0, 40.0, 20.0], (N, 1))))
    expected = np.abs((truth + 180) % 360 - 180)
    np.testing.assert_allclose(upright[keep], expected[keep], atol=1e-9)
    assert upright[-1] == pytest.approx(130.0)
    assert np.nanmean(upright) == pytest.approx(np.mean(expected[keep]))


def test_polygon_angles_are_counter_clockwise_on_screen():
    # y points down: a first edge going up-right at 45 degrees on screen
    assert polygon_angles([[0, 10, 10, 0, 0, 0, 0, 0]])[0] == pytest.approx(45.0)
    assert polygon_angles([[0, 0, 0, 10, 0, 0, 0, 0]])[0] == pytest.approx(-90.0)


def _group(overall_by_seed, per_sequence_by_seed):
    return seed_group(zip(overall_by_seed, per_sequence_by_seed))


def _runs(base, offsets):
    """Per-seed per-sequence values: ``base`` (11 sequences) plus a constant per seed."""
    return [{f"s{i}": b + o for i, b in enumerate(base)} for o in offsets]


BASE = [0.30, 0.42, 0.55, 0.20, 0.61, 0.38, 0.47, 0.25, 0.33, 0.52, 0.44]


def test_seed_group_mean_range_and_per_sequence_means():
    runs = _runs(BASE, (0.0, 0.02, -0.01))
    g = _group([np.mean(list(r.values())) for r in runs], runs)
    assert g.mean == pytest.approx(np.mean(BASE) + 0.01 / 3)
    assert (g.low, g.high) == (pytest.approx(np.mean(BASE) - 0.01), pytest.approx(np.mean(BASE) + 0.02))
    assert g.spread == pytest.approx(0.03)
    assert g.per_sequence["s3"] == pytest.approx(0.20 + 0.01 / 3)


def test_ahead_needs_a_gap_above_the_seed_range_and_8_of_11_sequences():
    b_runs = _runs(BASE, (0.0, 0.01, 0.02))  # range 0.02
    b = _group([np.mean(list(r.values())) for r in b_runs], b_runs)
    # A: +0.05 on 8 sequences, -0.01 on 3; seed range 0.01 -> gap 0.0336 > 0.02, 8 wins: ahead
    delta = [0.05] * 8 + [-0.01] * 3
    a_runs = _runs([x + d + 0.01 for x, d in zip(BASE, delta)], (-0.005, 0.0, 0.005))
    a = _group([np.mean(list(r.values())) for r in a_runs], a_runs)
    c = compare(a, b)
    assert c.gap == pytest.approx(np.mean(delta)) and c.spread == pytest.approx(0.02)
    assert (c.wins, c.sequences, c.needed) == (8, 11, 8) and c.ahead
    assert verdict("ien", "base", a, b) == "ien ahead" and verdict("base", "ien", b, a) == "ien ahead"
    # the same gap carried by 7 sequences is not ahead
    delta7 = [0.0543] * 7 + [-0.0114] * 4
    a7_runs = _runs([x + d + 0.01 for x, d in zip(BASE, delta7)], (-0.005, 0.0, 0.005))
    a7 = _group([np.mean(list(r.values())) for r in a7_runs], a7_runs)
    assert compare(a7, b).gap > compare(a7, b).spread and compare(a7, b).wins == 7
    assert not compare(a7, b).ahead and verdict("ien", "base", a7, b) == "not separated"
    # winning every sequence by less than the seed range is not ahead either
    wide = _runs(BASE, (0.0, 0.1, 0.2))  # range 0.2
    bw = _group([np.mean(list(r.values())) for r in wide], wide)
    c = compare(a, bw)
    assert c.gap < c.spread and not c.ahead


def test_needed_wins_scale_with_the_split():
    assert [needed_wins(n) for n in (11, 3, 22, 1)] == [8, 3, 16, 1]


def test_runs_on_different_sequences_are_refused():
    with pytest.raises(TrackingError, match="same sequences"):
        seed_group([(0.5, {"a": 0.5}), (0.4, {"b": 0.4})])


@pytest.fixture
def bench(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    import bench_dcf

    return bench_dcf


def test_variant_syntax(bench, tmp_path):
    weights = tmp_path / "w.safetensors"
    v = bench.parse_variant(f"ien0=configs/dcf_ien.yaml:{weights}@rotation.enabled=true, rotation.method=reencode")
    assert (v.label, v.spec.spec, v.spec.checkpoint, v.spec.seed) == ("ien0", "configs/dcf_ien.yaml", str(weights),
                                                                      None)
    assert v.spec.overrides == ("tracker.rotation.enabled=true", "tracker.rotation.method=reencode")
    r = bench.parse_variant("rand0=configs/dcf_ien.yaml:random:0")
    assert (r.spec.checkpoint, r.spec.seed, r.weights) == (None, 0, "random s0")
    assert "random weights (torch seed 0)" in r.describe()
    assert bench.parse_variant("cv=csrt").weights == "none"
    assert bench.parse_variant("s=siamfc_ien@scale_num=1").spec.overrides == ("tracker.scale_num=1",)
    swept = bench.swept([v, r], ["interp_factor", "0.005", "0.02"])
    assert [s.label for s in swept] == ["ien0@interp_factor=0.005", "ien0@interp_factor=0.02",
                                        "rand0@interp_factor=0.005", "rand0@interp_factor=0.02"]
    assert swept[1].spec.overrides[-1] == "tracker.interp_factor=0.02" and swept[3].spec.seed == 0
    ort = bench.parse_variant("d=dcf_ien", backend="onnxruntime", threads=1)
    assert (ort.spec.backend, ort.spec.threads) == ("onnxruntime", 1)
    assert ort.spec.fingerprint() != bench.parse_variant("d=dcf_ien").spec.fingerprint()  # results kept apart


@pytest.mark.parametrize("text, message", [
    ("x=configs/dcf_ien.yaml", "has no trained weights"),
    ("x=configs/dcf_ien.yaml:random", "need a seed"),
    ("x=siamfc_ien:random:0", "ships trained weights"),
    ("x=csrt:random:0", "has no network"),
    ("configs/dcf_ien.yaml", "expected LABEL=TRACKER"),
    ("x=siamfc_ien@", "expected LABEL=TRACKER"),
])
def test_bad_variants_are_messages(bench, text, message):
    with pytest.raises(TrackingError, match=message):
        bench.parse_variant(text)


def test_split_names(bench):
    assert bench.split_name("rot2") == ("validation-rot2", "validation", 2.0)
    assert bench.split_name("tuning-rot0.5") == ("tuning-rot0.5", "tuning", 0.5)
    assert bench.split_name("validation") == ("validation", "validation", None)
    for bad in ("train", "rotx", "tuning-rot"):
        with pytest.raises(TrackingError):
            bench.split_name(bad)


def test_siamfc_tuning_split_is_held_out_from_the_ablation_trainings(bench):
    """``tuning-uav2`` is the 11 sequences issue 13 chooses SiamFC settings on: no SiamFC config reads UAV2, and
    every SiamFC ablation run in the training queue also leaves out the three UAV sequences."""
    import yaml

    name, sequences = bench.split_sequences("tuning-uav2")
    names = {s.name for s in sequences}
    assert name == "tuning-uav2" and len(names) == 11 and {"Animal3", "BMX3", "Gull2", "group2_2"} <= names
    for config in sorted((REPO / "configs").glob("siam*.yaml")):
        sources = yaml.safe_load(config.read_text()).get("data", {}).get("sources", ())
        assert not any(s.get("path") == "UAV2" for s in sources), config.name
    runs = [r for r in yaml.safe_load((REPO / "benchmarks/queues/trainings.yaml").read_text())
            if "ablation_fc" in r["output"]]
    assert runs
    for run in runs:
        exclude = next(s for s in run["set"] if s.startswith("data.sources.4.exclude="))
        assert {"Animal3", "BMX3", "Gull2"} <= set(yaml.safe_load(exclude.partition("=")[2])), run["output"]
        assert yaml.safe_load((REPO / run["config"]).read_text())["data"]["sources"][4]["path"] == "UAV"


def test_training_split_is_read_by_every_training_config(bench):
    """``training-otb`` measures accuracy on seen data: every config that trains on the project's data (not the
    GOT-10k recipes for users' machines) must read all 11 sequences."""
    import yaml

    name, sequences = bench.split_sequences("training-otb")
    assert len(sequences) == 11 and sum(len(s) for s in sequences) > 1500
    data = [yaml.safe_load(c.read_text()).get("data", {}) for c in sorted((REPO / "configs").glob("*.yaml"))]
    local = [d for d in data if d.get("root") == "../shared/data"]
    assert len(local) >= 6
    for config in local:
        otb = [s for s in config["sources"] if s.get("path") == "OTB"]
        assert len(otb) == 1 and not {s.name for s in sequences} & set(otb[0].get("exclude", ()))


def test_groups_name_known_labels(bench):
    assert bench.parse_groups(["ien=a,b"], ["a", "b", "c"]) == {"ien": ["a", "b"]}
    with pytest.raises(TrackingError, match="no variant labelled z"):
        bench.parse_groups(["ien=a,z"], ["a", "b"])


def _still_sequence(folder, name, n=4):
    """``n`` identical frames (a textured rectangle on grey, written as PNG) with the rectangle as ground truth."""
    rng = np.random.default_rng(len(name))
    img = np.full((90, 120, 3), 90, np.uint8)
    img[25:55, 35:85] = rng.integers(0, 255, (30, 50, 3), dtype=np.uint8)
    folder.mkdir()
    frames = []
    for i in range(n):
        frames.append(folder / f"{i:04d}.png")
        cv2.imwrite(str(frames[-1]), img)
    return Sequence(name, frames, np.tile([35.0, 25.0, 50.0, 30.0], (n, 1)))


def test_bench_dcf_end_to_end_on_a_small_rotated_split(bench, tmp_path, monkeypatch, capsys):
    """Four random-weights variants (two seeds, rotation on and off) on two 4-frame rotated sequences: tables, seed
    groups with a verdict, and a JSON whose figures agree with the printed per-sequence AUCs."""
    sequences = [rotate_sequence(_still_sequence(tmp_path / n, n), 3.0) for n in ("A", "B")]
    monkeypatch.setattr(bench, "split_sequences", lambda name: ("mini-rot3", sequences))
    out_json = tmp_path / "figures.json"
    config = "configs/dcf_ien.yaml"
    code = bench.main(["--splits", "rot3", "--results", str(tmp_path / "results"), "--json", str(out_json),
                       "--variants", f"r0={config}:random:0@rotation.enabled=true",
                       f"r1={config}:random:1@rotation.enabled=true", f"p0={config}:random:0", f"p1={config}:random:1",
                       "--group", "rot=r0,r1", "--group", "plain=p0,p1"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "r0: configs/dcf_ien.yaml, random weights (torch seed 0), settings tracker.rotation.enabled=true" in printed
    assert "rot vs plain: gap" in printed and "poly AUC" in printed
    report = json.loads(out_json.read_text())
    split = report["splits"]["mini-rot3"]
    for label in ("r0", "r1", "p0", "p1"):
        figures, per = split["variants"][label]["figures"], split["variants"][label]["per_sequence"]
        assert set(figures) == {"success_auc", "precision_20", "fps", "polygon_auc", "angle_error"}
        assert figures["success_auc"] == pytest.approx(np.mean([per[s]["success_auc"] for s in "AB"]))
        assert 0 <= figures["angle_error"] <= 180
    # trackers without rotation report upright boxes: their angle error is the mean turn of frames 1..3
    assert split["variants"]["p0"]["figures"]["angle_error"] == pytest.approx(np.mean(3.0 * np.arange(1, 4)))
    groups = split["seed_groups"]["success_auc"]["groups"]
    aucs = [split["variants"][label]["figures"]["success_auc"] for label in ("r0", "r1")]
    assert groups["rot"]["mean"] == pytest.approx(np.mean(aucs)) and groups["rot"]["range"] == pytest.approx(
        max(aucs) - min(aucs))
    assert split["seed_groups"]["success_auc"]["comparisons"][0]["verdict"] in ("rot ahead", "plain ahead",
                                                                                 "not separated")
