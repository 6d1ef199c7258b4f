"""Running a benchmark's sequences: sharded over machines, parallel over processes, resumable.

Why each piece:

- Sharding: ``torchrun`` (or any launcher) sets ``RANK`` and ``WORLD_SIZE``; rank ``r`` takes every
  ``WORLD_SIZE``-th sequence starting at ``r``, so several machines writing to one shared results folder split a
  benchmark without talking to each other.
- Processes: ``workers`` spawned processes each build their own tracker once and take sequences from a common
  pool; the machine's cores are split between them (``cpus // (workers * LOCAL_WORLD_SIZE)`` torch and OpenCV
  threads each) so they do not fight over cores.
- Resuming: each sequence's files are written into a staging folder and moved into place with ``os.replace``
  (atomic), the files that mark the sequence finished last; a sequence whose files all exist is skipped on a rerun,
  and a staging folder left by a killed run is thrown away when that sequence is run again or found finished.
- One progress bar (frames and frames per second) in the parent, fed by the workers through a queue.

A *job* is any object with ``setup()`` (build the tracker, once per process), ``frames(sequence)`` (progress
units), ``is_done(sequence)`` and ``run(sequence, on_frame)`` (track and publish the results). A
:class:`~core.errors.TrackingError` fails only that sequence; anything else is a bug and stops the run.
"""
import multiprocessing
import os
import queue
import shutil
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from tqdm import tqdm

from core.errors import TrackingError

STAGING = ".partial"
_PROGRESS_EVERY_S = 0.2


@dataclass
class Outcome:
    """How one sequence went: ``error`` is the user-facing message of a failed sequence, else ``None``."""

    name: str
    frames: int
    seconds: float
    error: Optional[str] = None


@dataclass
class Summary:
    """What one run of a shard did: sequences skipped as already finished, run, and failed."""

    skipped: list = field(default_factory=list)
    finished: list = field(default_factory=list)
    failed: list = field(default_factory=list)


def shard_from_env(environ=None) -> tuple:
    """``(rank, world_size)`` from ``RANK`` / ``WORLD_SIZE`` (``(0, 1)`` when unset)."""
    env = os.environ if environ is None else environ
    try:
        rank, world = int(env.get("RANK", 0)), int(env.get("WORLD_SIZE", 1))
    except ValueError as err:
        raise TrackingError(f"RANK and WORLD_SIZE must be integers ({err})") from None
    if world < 1 or not 0 <= rank < world:
        raise TrackingError(f"RANK={rank} WORLD_SIZE={world}: expected 0 <= RANK < WORLD_SIZE")
    return rank, world


def shard(items, rank: int, world_size: int) -> list:
    """The items rank ``rank`` of ``world_size`` is responsible for."""
    return list(items)[rank::world_size]


def threads_per_worker(workers: int, environ=None) -> int:
    """Cores available to this process split between its workers and the other processes on this machine, and
    never more than ``OMP_NUM_THREADS`` when the user set it: a run started with ``OMP_NUM_THREADS=1`` beside
    trainings must stay on one core (torch and OpenCV would otherwise each spin a second thread)."""
    env = os.environ if environ is None else environ
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    local = int(env.get("LOCAL_WORLD_SIZE", 1))
    share = max(1, cpus // (max(1, workers) * max(1, local)))
    limit = env.get("OMP_NUM_THREADS", "").strip()
    return min(share, int(limit)) if limit.isdigit() and int(limit) > 0 else share


def set_threads(n: int) -> None:
    """Limit OpenCV and (when loaded) torch to ``n`` threads in this process."""
    import cv2

    cv2.setNumThreads(n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)


def discard_staging(final_dir, name: str) -> None:
    """Remove sequence ``name``'s staging folder (and the staging root once empty): what a killed run leaves."""
    root = Path(final_dir) / STAGING
    shutil.rmtree(root / name, ignore_errors=True)
    try:
        root.rmdir()
    except OSError:  # missing, or other sequences are still being staged
        pass


@contextmanager
def staged(final_dir, name: str, last=()):
    """Yield a fresh staging folder for sequence ``name``; on success move every file written there to the same
    relative path under ``final_dir`` (atomically, the relative paths in ``last`` at the end), on failure drop it.
    """
    final_dir = Path(final_dir)
    stage = final_dir / STAGING / name
    shutil.rmtree(stage, ignore_errors=True)  # left by a run killed while on this sequence
    stage.mkdir(parents=True)
    try:
        yield stage
        files = sorted(p.relative_to(stage) for p in stage.rglob("*") if p.is_file())
        last = [Path(p) for p in last]
        for rel in sorted(files, key=lambda p: p in last):
            target = final_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / rel, target)
    finally:
        discard_staging(final_dir, name)


def execute(job, sequences, workers: int = 1, rank: int = 0, world_size: int = 1, desc: str = "tracking",
            progress: bool = True) -> Summary:
    """Run ``job`` on this shard's unfinished sequences with ``workers`` processes (1: in this process)."""
    mine = shard(sequences, rank, world_size)
    summary = Summary(skipped=[s.name for s in mine if job.is_done(s)])
    pending = [s for s in mine if not job.is_done(s)]
    total = sum(job.frames(s) for s in pending)
    threads = threads_per_worker(workers)
    with tqdm(total=total, unit="frame", desc=desc, disable=not progress or not pending, smoothing=0.1) as bar:
        if workers <= 1 or len(pending) <= 1:
            set_threads(threads)
            job.setup()
            outcomes = (_run_one(job, seq, bar.update, bar) for seq in pending)
            for outcome in outcomes:
                (summary.failed if outcome.error else summary.finished).append(outcome)
        else:
            for outcome in _run_pool(job, pending, workers, threads, bar):
                (summary.failed if outcome.error else summary.finished).append(outcome)
    return summary


def _run_one(job, sequence, on_frame, bar=None) -> Outcome:
    if bar is not None:
        bar.set_postfix_str(sequence.name, refresh=False)
    tic = time.perf_counter()
    try:
        job.run(sequence, on_frame)
    except TrackingError as err:
        return Outcome(sequence.name, job.frames(sequence), time.perf_counter() - tic, error=str(err))
    return Outcome(sequence.name, job.frames(sequence), time.perf_counter() - tic)


def _run_pool(job, pending, workers, threads, bar):
    ctx = multiprocessing.get_context("spawn")
    progress_queue = ctx.Queue()
    with ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=ctx, initializer=_worker_init,
                             initargs=(job, threads, progress_queue)) as pool:
        not_done = {pool.submit(_worker_run, seq) for seq in pending}
        while not_done:
            done, not_done = wait(not_done, timeout=0.1, return_when=FIRST_COMPLETED)
            _drain(progress_queue, bar)
            for future in done:
                yield future.result()
        _drain(progress_queue, bar)


def _drain(progress_queue, bar):
    while True:
        try:
            bar.update(progress_queue.get_nowait())
        except queue.Empty:
            return


_WORKER = {}


def _worker_init(job, threads, progress_queue):
    set_threads(threads)
    job.setup()
    set_threads(threads)  # setup may have loaded torch
    _WORKER.update(job=job, queue=progress_queue)


def _worker_run(sequence) -> Outcome:
    pending = [0, time.monotonic()]

    def on_frame(n):
        pending[0] += n
        if time.monotonic() - pending[1] >= _PROGRESS_EVERY_S:
            _WORKER["queue"].put(pending[0])
            pending[:] = [0, time.monotonic()]

    outcome = _run_one(_WORKER["job"], sequence, on_frame)
    if pending[0]:
        _WORKER["queue"].put(pending[0])
    return outcome
