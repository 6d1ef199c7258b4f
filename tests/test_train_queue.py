"""benchmarks/train_queue.py: which runs it starts, resumes or skips, and its errors for a bad queue file."""
import os
import sys

import pytest

from benchmarks import train_queue
from benchmarks.train_queue import QueuedRun, read_queue, run_queue
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
    path = _queue(tmp_path, f"""
- {{output: {tmp_path}/done, config: configs/dcf_ien.yaml}}
- {{output: {tmp_path}/half, config: configs/dcf_ien.yaml, set: [train.seed=1]}}
- {{output: {tmp_path}/new, config: configs/dcf_ien.yaml, set: [train.mode=plain, "train.ien.layers=[a, b]"]}}
""")
    runs = read_queue(path)
    assert [r.finished for r in runs] == [True, False, False]
    assert [r.interrupted for r in runs] == [False, True, False]
    half, new = runs[1].command(), runs[2].command()
    assert half[-1] == "--resume" and half[half.index("--set") + 1] == "train.seed=1"
    assert "--resume" not in new and new[-4:] == ["--set", "train.mode=plain", "--set", "train.ien.layers=[a, b]"]
    assert run_queue(path, jobs=2, threads=1, dry_run=True) == 0
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


def test_a_run_whose_pid_file_names_a_live_process_is_in_progress(tmp_path):
    run = QueuedRun(tmp_path / "run", "configs/dcf_ien.yaml")
    assert not run.in_progress
    run.pid_file.write_text(str(os.getpid()))
    assert run.in_progress
    run.pid_file.write_text("not a pid")
    assert not run.in_progress


def test_the_queue_runs_pending_runs_skips_ones_in_progress_and_counts_failures(tmp_path, monkeypatch, capsys):
    """The training command replaced by a stand-in that writes model.safetensors (or fails for ``bad``)."""
    def command(run):
        code = ("import sys, pathlib; o = pathlib.Path(sys.argv[1]); o.mkdir(parents=True, exist_ok=True); "
                "sys.exit(3) if o.name == 'bad' else (o / 'model.safetensors').write_bytes(b'')")
        return [sys.executable, "-c", code, str(run.output)]

    monkeypatch.setattr(QueuedRun, "command", command)
    monkeypatch.setattr(train_queue.time, "sleep", lambda s: None)
    path = _queue(tmp_path, "\n".join(f"- {{output: {tmp_path}/{name}, config: c.yaml}}"
                                      for name in ("a", "bad", "busy", "b")))
    (tmp_path / "busy.pid").write_text(str(os.getpid()))  # another queue is training it
    assert run_queue(path, jobs=2, threads=1) == 1
    assert [(tmp_path / n / "model.safetensors").is_file() for n in ("a", "bad", "busy", "b")] == [
        True, False, False, True]
    assert not any((tmp_path / f"{n}.pid").exists() for n in ("a", "bad", "b"))
    out = capsys.readouterr().out
    assert f"FAILED (exit 3) {tmp_path}/bad" in out and "busy" not in out
