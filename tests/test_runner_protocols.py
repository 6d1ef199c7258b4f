"""Protocols and execution machinery, driven by a scripted tracker on in-memory sequences (no real data)."""
import numpy as np
import pytest

from core.errors import TrackingError
from eval.runners.execution import execute, shard, shard_from_env, staged, threads_per_worker
from eval.runners.onepass import run_onepass
from eval.runners.supervised import FAILURE, INIT, SKIPPED, run_supervised
from runner_doubles import ScriptedTracker, WritingJob, memory_sequence
from tracker.base import TrackState


def _touches(box, gt, bounds):
    """Test overlap: positive when the two boxes share area (the real VOT overlap is tested with the harness)."""
    ax, ay, aw, ah = box
    bx, by, bw, bh = gt
    return max(0.0, min(ax + aw, bx + bw) - max(ax, bx)) * max(0.0, min(ay + ah, by + bh) - max(ay, by))


def test_onepass_records_every_frame_from_the_first_ground_truth_box():
    seq = memory_sequence("A", n=6)
    tracker = ScriptedTracker(seq.ground_truth, wrong_at={3})
    calls = []
    run = run_onepass(tracker, seq, on_frame=calls.append)
    expected = seq.ground_truth.copy()
    expected[3] = [500, 500, 5, 5]
    assert np.array_equal(run.boxes, expected)
    assert len(tracker.inits) == 1 and tracker.inits[0][0] == 0
    assert run.times.shape == (6,) and (run.times >= 0).all()
    assert run.corners is None and sum(calls) == 6


def test_onepass_keeps_rotated_corners_when_the_tracker_estimates_rotation():
    seq = memory_sequence("A", n=3)

    class Rotating(ScriptedTracker):
        def step(self, image):
            state = super().step(image)
            return TrackState(box=state.box, corners=np.arange(8.0) + int(image[0, 0, 0]))

    run = run_onepass(Rotating(seq.ground_truth), seq)
    assert np.array_equal(run.corners[0], [10, 20, 25, 20, 25, 30, 10, 30])  # frame 0: the start box
    assert np.array_equal(run.corners[2], np.arange(8.0) + 2)


def test_onepass_needs_a_valid_first_box():
    seq = memory_sequence("A", n=3)
    seq.ground_truth[0] = np.nan
    with pytest.raises(TrackingError, match="A: the first frame has no valid ground-truth box"):
        run_onepass(ScriptedTracker(seq.ground_truth), seq)


def test_supervised_fails_skips_five_frames_and_reinitialises_on_the_ground_truth():
    seq = memory_sequence("V", n=20)
    tracker = ScriptedTracker(seq.ground_truth, wrong_at={5, 12})
    run = run_supervised(tracker, seq, overlap=_touches)
    codes = [r if isinstance(r, int) else "box" for r in run.records]
    assert codes == ([INIT] + ["box"] * 4 + [FAILURE] + [SKIPPED] * 4 + [INIT] + ["box"]
                     + [FAILURE] + [SKIPPED] * 4 + [INIT] + ["box"] * 2)
    assert run.failures == 2
    assert [i for i, _ in tracker.inits] == [0, 10, 17]
    assert np.array_equal(tracker.inits[1][1], seq.ground_truth[10])
    assert np.array_equal(run.records[11], seq.ground_truth[11])
    assert seq.meta["decoded"] == 20 - 8  # skipped frames are never decoded
    assert (run.times[6:10] == 0).all()


def test_supervised_starts_from_pysots_box_for_a_polygon():
    seq = memory_sequence("V", n=4)
    seq.ground_truth = np.array([[10, 20, 30, 20, 30, 30, 10, 30]] * 4, dtype=float)
    tracker = ScriptedTracker(np.tile([10.0, 20.0, 20.0, 10.0], (4, 1)))
    run_supervised(tracker, seq, overlap=lambda box, gt, bounds: _touches(box, [10, 20, 20, 10], bounds))
    # same centre and area as the polygon's box, as pysot's get_axis_aligned_bbox (+1 on each side)
    assert np.allclose(tracker.inits[0][1], [9.5, 19.5, 21, 11])


def test_failure_at_the_last_frames_does_not_run_past_the_end():
    seq = memory_sequence("V", n=8)
    run = run_supervised(ScriptedTracker(seq.ground_truth, wrong_at={6}), seq, overlap=_touches)
    assert run.records[6:] == [FAILURE, SKIPPED] and len(run.records) == 8


def test_shards_partition_the_sequences():
    items = list(range(11))
    parts = [shard(items, r, 3) for r in range(3)]
    assert sorted(sum(parts, [])) == items and parts[1] == [1, 4, 7, 10]
    assert shard_from_env({"RANK": "2", "WORLD_SIZE": "4"}) == (2, 4)
    assert shard_from_env({}) == (0, 1)
    with pytest.raises(TrackingError, match="0 <= RANK < WORLD_SIZE"):
        shard_from_env({"RANK": "4", "WORLD_SIZE": "4"})
    assert threads_per_worker(64) == 1
    assert threads_per_worker(1, {"LOCAL_WORLD_SIZE": "1"}) >= threads_per_worker(2, {"LOCAL_WORLD_SIZE": "1"})


def test_threads_never_exceed_the_users_omp_limit(monkeypatch):
    """OMP_NUM_THREADS=1 beside other jobs must keep a run on one thread, however many cores the machine has."""
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(8)), raising=False)
    assert threads_per_worker(1, {}) == 8
    assert threads_per_worker(1, {"OMP_NUM_THREADS": "1"}) == 1
    assert threads_per_worker(2, {"OMP_NUM_THREADS": "3"}) == 3
    assert threads_per_worker(4, {"OMP_NUM_THREADS": "16"}) == 2
    assert threads_per_worker(1, {"OMP_NUM_THREADS": ""}) == threads_per_worker(1, {"OMP_NUM_THREADS": "x"}) == 8


def test_staged_files_appear_only_when_complete(tmp_path):
    out = tmp_path / "out"
    with staged(out, "A", last=["A/A_001.txt"]) as stage:
        (stage / "A").mkdir()
        (stage / "A" / "A_001.txt").write_text("1\n")
        (stage / "A" / "A_time.txt").write_text("0.1\n")
        assert not (out / "A").exists()
    assert sorted(p.name for p in (out / "A").iterdir()) == ["A_001.txt", "A_time.txt"]
    assert not (out / ".partial").exists()
    with pytest.raises(TrackingError):
        with staged(out, "B") as stage:
            (stage / "B.txt").write_text("half")
            raise TrackingError("frame 3 unreadable")
    assert not (out / "B.txt").exists() and not (out / ".partial").exists()
    # a staging folder left behind by a killed run is discarded when the sequence runs again
    (out / ".partial" / "C").mkdir(parents=True)
    (out / ".partial" / "C" / "stale.txt").write_text("x")
    with staged(out, "C") as stage:
        (stage / "C.txt").write_text("ok")
    assert not (out / "stale.txt").exists() and (out / "C.txt").read_text() == "ok"


def test_execute_resumes_and_keeps_other_sequences_when_one_fails(tmp_path):
    seqs = [memory_sequence(n, n=10) for n in "ABCD"]
    job = WritingJob(tmp_path)
    first = execute(job, seqs[:2], progress=False)
    assert [o.name for o in first.finished] == ["A", "B"] and not first.failed
    stamp = (tmp_path / "A.txt").stat().st_mtime_ns
    seqs[2].bad_frames = (4,)
    second = execute(job, seqs, progress=False)
    assert second.skipped == ["A", "B"] and [o.name for o in second.finished] == ["D"]
    assert [o.name for o in second.failed] == ["C"] and "C/0005.jpg: cannot read image" in second.failed[0].error
    assert (tmp_path / "A.txt").stat().st_mtime_ns == stamp and not (tmp_path / "C.txt").exists()
    assert np.allclose(np.loadtxt(tmp_path / "D.txt", delimiter=","), seqs[3].ground_truth)


def test_parallel_workers_and_shards_write_the_same_files_as_one_process(tmp_path):
    seqs = [memory_sequence(n, n=8) for n in "ABCDE"]
    serial = execute(WritingJob(tmp_path / "serial"), seqs, progress=False)
    parallel = execute(WritingJob(tmp_path / "parallel"), seqs, workers=2, progress=False)
    assert len(serial.finished) == len(parallel.finished) == 5
    for rank in range(2):  # two machines sharing one results folder
        execute(WritingJob(tmp_path / "sharded"), seqs, rank=rank, world_size=2, progress=False)
    for folder in ("parallel", "sharded"):
        for s in seqs:
            assert (tmp_path / folder / f"{s.name}.txt").read_bytes() == (tmp_path / "serial" / f"{s.name}.txt").read_bytes()


def test_a_finished_sequence_drops_the_staging_folder_a_killed_run_left(tmp_path):
    from eval.runners.jobs import OnePassJob, TrackerSpec

    job = OnePassJob(TrackerSpec("csrt"), tmp_path, one_based=True)
    seq = memory_sequence("A", n=3)
    (tmp_path / ".partial" / "A" / "times").mkdir(parents=True)  # killed after publishing, before cleaning up
    assert not job.is_done(seq) and (tmp_path / ".partial" / "A").exists()
    (tmp_path / "A.txt").write_text("1,1,1,1\n")
    assert job.is_done(seq) and not (tmp_path / ".partial").exists()


@pytest.mark.parametrize("deterministic, repetitions", [(True, 1), (False, 3)])
def test_got10k_runs_three_repetitions_unless_the_tracker_is_deterministic(tmp_path, deterministic, repetitions):
    from eval import results_io
    from eval.runners.jobs import Got10kJob, TrackerSpec, got10k_repetitions

    seq = memory_sequence("G", n=5)
    tracker = ScriptedTracker(seq.ground_truth, wrong_at={3})
    tracker.deterministic = deterministic
    assert got10k_repetitions(tracker) == repetitions
    job = Got10kJob(TrackerSpec("scripted"), tmp_path, got10k_repetitions(tracker), tracker=tracker)
    assert job.frames(seq) == 5 * repetitions
    report = execute(job, [seq], progress=False)
    assert [o.name for o in report.finished] == ["G"]
    assert sorted(p.name for p in (tmp_path / "G").iterdir()) == \
        [f"G_{r:03d}.txt" for r in range(1, repetitions + 1)] + ["G_time.txt"]
    runs, times = results_io.read_got10k(tmp_path, "G", n_frames=5)
    assert len(runs) == repetitions and times.shape == (5, repetitions)
    expected = seq.ground_truth.copy()
    expected[3] = [500, 500, 5, 5]
    for boxes in runs:  # GOT-10k files are 0-based: the boxes as tracked
        np.testing.assert_allclose(boxes, expected)
    assert len(tracker.inits) == repetitions  # every repetition starts afresh from the first box
