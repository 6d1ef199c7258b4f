"""benchmarks/bench_study.py: a study file's runs measured per split, seeds gathered per model, each model against
its reference by issue 12's rule, pending runs left out, and the learning-curve plot."""
import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import TrackingError
from datasets.sequence import Sequence

REPO = Path(__file__).resolve().parents[1]
DCF_WEIGHTS = {0: REPO / "weights/dcf_ien.safetensors", 1: REPO / "weights/dcf_seeds/ien_s1.safetensors",
               2: REPO / "weights/dcf_seeds/ien_s2.safetensors"}


@pytest.fixture
def study(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    import bench_study

    return bench_study


def _moving_sequence(folder, name, n=5):
    """A textured rectangle moving 3 px per frame on grey (PNG frames), with its boxes as ground truth."""
    rng = np.random.default_rng(len(name))
    patch = rng.integers(0, 255, (30, 40, 3), dtype=np.uint8)
    folder.mkdir()
    frames, boxes = [], []
    for i in range(n):
        img = np.full((100, 130, 3), 90, np.uint8)
        x, y = 30 + 3 * i, 30 + 2 * i
        img[y:y + 30, x:x + 40] = patch
        frames.append(folder / f"{i:04d}.png")
        cv2.imwrite(str(frames[-1]), img)
        boxes.append([x, y, 40, 30])
    return Sequence(name, frames, np.array(boxes, float))


def _write(path, text):
    path.write_text(text)
    return path


def test_study_end_to_end(study, tmp_path, monkeypatch, capsys):
    """Three DCF seeds as two models (one a training-run folder), one pending run; the JSON's means, ranges and
    verdict agree with the per-run figures, the pending run is named and left out, and the plot is written."""
    sequences = [_moving_sequence(tmp_path / n, n) for n in ("A", "B")]
    monkeypatch.setattr(study.bench_dcf, "split_sequences", lambda name: (name, sequences))
    run = tmp_path / "run_s2"
    run.mkdir()
    shutil.copy(REPO / "configs/dcf_ien.yaml", run / "config.yaml")
    shutil.copy(DCF_WEIGHTS[2], run / "model.safetensors")
    (tmp_path / "unfinished").mkdir()
    path = _write(tmp_path / "study.yaml", f"""
splits: [{{split: tuning}}]
reference: a
runs:
  - {{model: a, seed: 0, pairs: 6000, tracker: configs/dcf_ien.yaml, weights: {DCF_WEIGHTS[0]}}}
  - {{model: a, seed: 1, pairs: 6000, tracker: configs/dcf_ien.yaml, weights: {DCF_WEIGHTS[1]}}}
  - {{model: b, seed: 2, pairs: 6000, run: {run}}}
  - {{model: b, seed: 3, pairs: 6000, run: {tmp_path / 'unfinished'}}}
""")
    out = tmp_path / "figures.json"
    assert study.main([str(path), "--results", str(tmp_path / "results"), "--json", str(out),
                       "--plot", str(tmp_path / "curve.png")]) == 0
    printed = capsys.readouterr().out
    assert "pending (no weights yet): b_p6000_s3" in printed
    report = json.loads(out.read_text())
    assert report["pending"] == ["b_p6000_s3"]
    split = report["splits"]["tuning"]
    aucs = [split["runs"][label]["success_auc"] for label in ("a_p6000_s0", "a_p6000_s1")]
    a, b = split["models"]["a@6000"], split["models"]["b@6000"]
    assert a["values"] == pytest.approx(aucs) and a["range"] == pytest.approx(max(aucs) - min(aucs))
    assert b["values"] == [pytest.approx(split["runs"]["b_p6000_s2"]["success_auc"])]
    assert b["reference"] == "a@6000" and b["gap"] == pytest.approx(b["mean"] - a["mean"])
    ahead = b["gap"] > a["range"] and b["wins"] >= 2
    assert b["verdict"] == ("b@6000 ahead" if ahead else "a@6000 ahead" if -b["gap"] > a["range"] and
                            sum(a["per_sequence"][s] > b["per_sequence"][s] for s in "AB") >= 2 else "not separated")
    assert "reference" not in a  # the reference is not compared with itself
    assert cv2.imread(str(tmp_path / "curve.png")) is not None


def test_a_model_is_never_scored_on_sequences_it_trained_on(study, tmp_path, shared_data, capsys):
    """siamfc_ien's training read UAV Animal3, BMX3 and Gull2, so a tuning figure from it would be optimistic: the
    study refuses before tracking; a training split is where seen data is meant, so there it is allowed."""
    path = _write(tmp_path / "study.yaml", "splits: [tuning]\nruns: [{model: fc, seed: 0, tracker: siamfc_ien}]")
    with pytest.raises(TrackingError, match=r"fc_s0: its training \(.*siamfc_ien.yaml\) read Animal3, BMX3, Gull2 "
                                            r"of split tuning"):
        study.main([str(path), "--results", str(tmp_path / "results")])
    assert not (tmp_path / "results").exists()
    name, sequences = study.bench_dcf.split_sequences("training-otb")
    study.check_held_out(study.StudyRun("fc", 0, "siamfc_ien", None), name, sequences)
    name, sequences = study.bench_dcf.split_sequences("validation")
    study.check_held_out(study.StudyRun("fc", 0, "siamfc_ien", None), name, sequences)


@pytest.mark.parametrize("text, message", [
    ("runs: []", "expected a mapping with 'splits' and 'runs'"),
    ("splits: [tuning]\nruns: [{model: a, seed: 0}]", "give either run or tracker"),
    ("splits: [tuning]\nruns: [{model: a, seed: x, tracker: dcf_ien}]", "expected {model: NAME"),
    ("splits: [tuning]\nruns: [{model: a, seed: 0, pairs: -5, tracker: dcf_ien}]", "pairs must be a positive"),
    ("splits: [nosuch]\nruns: [{model: a, seed: 0, tracker: dcf_ien}]", "split 'nosuch'"),
    ("splits: [tuning]\nreference: z\nruns: [{model: a, seed: 0, tracker: dcf_ien}]", "reference 'z' is not"),
    ("splits: [tuning]\nruns: [{model: a, seed: 0, tracker: dcf_ien}, {model: a, seed: 0, tracker: dcf_base}]",
     "two runs share model, pairs and seed: a_s0"),
    ("splits: [tuning\n", "not valid YAML"),
])
def test_bad_study_files_are_one_line_errors(study, tmp_path, text, message):
    with pytest.raises(TrackingError, match=message):
        study.read_study(_write(tmp_path / "s.yaml", text))


def test_own_references_override_the_default(study, tmp_path):
    path = _write(tmp_path / "s.yaml", """
splits: [tuning]
reference: rotaug
references: {ien_wide: rotaug_wide}
runs:
  - {model: rotaug, seed: 0, tracker: dcf_rotaug}
  - {model: rotaug_wide, seed: 0, tracker: dcf_rotaug}
  - {model: ien, seed: 0, tracker: dcf_ien}
  - {model: ien_wide, seed: 0, tracker: dcf_ien}
""")
    _, references, _ = study.read_study(path)
    assert references == {"rotaug_wide": "rotaug", "ien": "rotaug", "ien_wide": "rotaug_wide"}


def test_studies_and_the_training_queue_agree(study):
    """The studies and the training queue must not drift apart: every queued SiamFC ablation run is in the
    ablation study, and every training-run folder a study names is queued (or it would stay pending forever)."""
    import yaml

    queued = {r["output"] for r in yaml.safe_load((REPO / "benchmarks/queues/trainings.yaml").read_text())}
    folders = {}
    for path in sorted((REPO / "benchmarks/studies").glob("*.yaml")):
        _, _, runs = study.read_study(path)
        folders[path.stem] = {str(Path(r.weights).parent) for r in runs if r.tracker.endswith("config.yaml")}
        assert folders[path.stem] <= queued, path.name
    assert folders["ablation_fc"] == {q for q in queued if "ablation_fc" in q}
    assert len(folders["learning_curves"]) == 18


def test_summary_columns_stay_apart_when_a_cell_is_wider_than_its_header(study, capsys):
    """A verdict such as 'rotaug@30000 ahead' is wider than the default cell; it ran into the cell before it."""
    from eval.seeds import seed_group

    groups = {("ien", 30000): seed_group([(0.46, {"a": 0.46}), (0.45, {"a": 0.45})]),
              ("rotaug", 30000): seed_group([(0.52, {"a": 0.52}), (0.53, {"a": 0.53})])}
    comparisons = {("ien", 30000): {"reference": "rotaug@30000", "gap": -0.06, "wins": 2, "sequences": 11,
                                    "verdict": "rotaug@30000 ahead"}}
    study.print_summary("validation", groups, comparisons)
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("ien@30000"))
    assert row.split()[-4:] == ["-0.060", "2/11", "rotaug@30000", "ahead"]


def test_one_tracker_under_two_labels_is_tracked_once(study, tmp_path):
    """Two studies naming the same run differently (rotaug_s0, rotaug_p30000_s0) share one results folder: the
    second label reuses the first one's results instead of tracking every sequence again."""
    from eval.runners.jobs import TrackerSpec

    sequences = [_moving_sequence(tmp_path / "A", "A")]
    spec = TrackerSpec("configs/dcf_ien.yaml", str(DCF_WEIGHTS[0]))
    first, first_dir = study.ien_common.onepass_report("x_s0", spec, sequences, "tuning", tmp_path / "res")
    (first_dir / "A.txt").write_text("".join("1,1,40,30\n" for _ in range(5)))  # marks what the second one reads
    second, second_dir = study.ien_common.onepass_report("x_p30000_s0", spec, sequences, "tuning", tmp_path / "res")
    assert second_dir == first_dir and second["overall"]["success_auc"] < first["overall"]["success_auc"]
    other = TrackerSpec("configs/dcf_ien.yaml", str(DCF_WEIGHTS[1]))
    assert study.ien_common.onepass_report("x_p30000_s0", other, sequences, "tuning", tmp_path / "res")[1] != first_dir
