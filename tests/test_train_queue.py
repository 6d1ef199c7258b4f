"""benchmarks/train_queue.py: which runs it starts, resumes or skips, and its errors for a bad queue file."""
import pytest

from benchmarks.train_queue import read_queue, run_queue
from core.errors import TrackingError


def _queue(tmp_path, text):
    path = tmp_path / "queue.yaml"
    path.write_text(text)
    return path


def test_finished_runs_are_skipped_and_interrupted_ones_resumed(tmp_path, capsys):
    for name, files in (("done", ["checkpoint.pt", "model.safetensors"]), ("half", ["checkpoint.pt"]), ("new", [])):
        (tmp_path / name).mkdir()
        for f in files:
            (tmp_path / name / f).write_bytes(b"")
    runs = read_queue(_queue(tmp_path, f"""
- {{output: {tmp_path}/done, config: configs/dcf_ien.yaml}}
- {{output: {tmp_path}/half, config: configs/dcf_ien.yaml, set: [train.seed=1]}}
- {{output: {tmp_path}/new, config: configs/dcf_ien.yaml, set: [train.mode=plain, "train.ien.layers=[a, b]"]}}
"""))
    assert [r.finished for r in runs] == [True, False, False]
    assert [r.interrupted for r in runs] == [False, True, False]
    half, new = runs[1].command(), runs[2].command()
    assert half[-1] == "--resume" and half[half.index("--set") + 1] == "train.seed=1"
    assert "--resume" not in new and new[-4:] == ["--set", "train.mode=plain", "--set", "train.ien.layers=[a, b]"]
    assert run_queue(runs, jobs=2, threads=1, dry_run=True) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "1 of 3 runs finished; 2 to run"
    assert [f"{tmp_path}/half" in line for line in lines[1:]] == [True, False]


@pytest.mark.parametrize("text, message", [
    ("{output: a, config: b}", "expected a list of runs"),
    ("- {output: a}", "expected keys output, config"),
    ("- {output: a, config: b, seed: 1}", "expected keys output, config"),
    ("- {output: a, config: b, set: train.seed=1}", "set must be a list of KEY=VALUE"),
    ("- {output: a, config: b}\n- {output: a, config: c}", "share an output folder"),
    ("- [unclosed", "cannot read the queue"),
])
def test_bad_queue_files_are_one_clear_error(tmp_path, text, message):
    with pytest.raises(TrackingError, match=message):
        read_queue(_queue(tmp_path, text))
