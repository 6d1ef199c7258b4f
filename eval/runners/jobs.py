"""Benchmark jobs: which protocol runs on a sequence, which result files it leaves, when a sequence is finished.

Each job is what :func:`eval.runners.execution.execute` runs. It carries the tracker *spec* (name or config,
checkpoint, device) rather than the tracker, so every worker process builds its own; the process that already
built one (to validate the spec before any work starts) passes it in and uses it when it runs alone.

Result layouts are the official ones, under ``<results>/<benchmark>/<tracker>/``:

- one-pass (OTB, TB50, UAV123, LaSOT, folder): ``<Seq>.txt`` (``results_io.write_onepass``, the dataset's
  coordinate convention), ``times/<Seq>_time.txt``, and ``polygons/<Seq>.txt`` (8 values per line) for trackers
  that estimate rotation;
- GOT-10k: ``<seq>/<seq>_001.txt`` (``_002``, ``_003`` unless the tracker is deterministic) and
  ``<seq>/<seq>_time.txt``;
- VOT supervised: ``baseline/<seq>/<seq>_001.txt`` with the 1/2/0 codes.
"""
import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from eval import results_io
from eval.overlap import vot_overlap_single
from eval.runners.execution import discard_staging, staged
from eval.runners.onepass import run_onepass
from eval.runners.supervised import run_supervised
from tracker.registry import build_inputs, build_tracker

#: GOT-10k's protocol: three runs per sequence for trackers that are not deterministic
GOT10K_REPETITIONS = 3


@dataclass(frozen=True)
class TrackerSpec:
    """How to build the tracker under test (``--tracker``, ``--checkpoint``, device, ``--backend``,
    ``--threads``, ``--set`` overrides).

    ``seed`` makes a tracker without trained weights reproducible (a random-weights control): the torch generator
    is seeded right before the model is built, in every process that builds it."""

    spec: str
    checkpoint: Optional[str] = None
    device: str = "cpu"
    backend: str = "torch"
    threads: Optional[int] = None
    overrides: tuple = ()
    seed: Optional[int] = None

    def build(self):
        if self.seed is not None:
            import torch

            torch.manual_seed(self.seed)
        return build_tracker(self.spec, checkpoint=self.checkpoint, device=self.device, backend=self.backend,
                             threads=self.threads, overrides=self.overrides)

    def fingerprint(self) -> str:
        """12 hex digits of a SHA-256 over what the tracker is built from: its name or config path, the config's
        and the weights' bytes, the backend, the overrides and the seed (not the device nor threads, which change
        speed only). Cached results are keyed by it, so replaced weights or other settings under the same label
        are never mistaken for the old ones. The tracker's code is not part of it: after a code change, use a
        fresh results folder."""
        digest = hashlib.sha256()
        for path in build_inputs(self.spec, self.checkpoint):
            digest.update(b"\0file\0" + (path.read_bytes() if path is not None and path.is_file() else b""))
        digest.update(repr((self.spec, self.backend, tuple(self.overrides), self.seed)).encode())
        return digest.hexdigest()[:12]


class _Job(ABC):
    """Shared plumbing: tracker building per process, progress units, the finished test."""

    def __init__(self, tracker_spec: TrackerSpec, out_dir, tracker=None):
        self.tracker_spec = tracker_spec
        self.out_dir = Path(out_dir)
        self.tracker = tracker

    def __getstate__(self):
        # worker processes build their own tracker from the spec
        return {**self.__dict__, "tracker": None}

    def setup(self) -> None:
        if self.tracker is None:
            self.tracker = self.tracker_spec.build()

    def frames(self, sequence) -> int:
        return len(sequence)

    def is_done(self, sequence) -> bool:
        """All finished-marking files exist; then a staging folder left by a run killed after publishing them
        (before cleaning up) is removed too."""
        done = all((self.out_dir / rel).is_file() for rel in self.finished_files(sequence))
        if done:
            discard_staging(self.out_dir, sequence.name)
        return done

    @abstractmethod
    def finished_files(self, sequence) -> list:
        """Result files (relative to ``out_dir``) whose presence means the sequence is finished."""

    @abstractmethod
    def run(self, sequence, on_frame) -> None:
        """Track ``sequence`` and publish its result files atomically."""


class OnePassJob(_Job):
    """One pass per sequence (OTB, LaSOT, UAV123, folder); ``one_based`` is the dataset's file convention."""

    def __init__(self, tracker_spec, out_dir, one_based: bool, tracker=None):
        super().__init__(tracker_spec, out_dir, tracker)
        self.one_based = one_based

    def finished_files(self, sequence) -> list:
        return [f"{sequence.name}.txt"]

    def run(self, sequence, on_frame) -> None:
        run = run_onepass(self.tracker, sequence, on_frame)
        name = sequence.name
        with staged(self.out_dir, name, last=self.finished_files(sequence)) as stage:
            results_io.write_onepass(stage / f"{name}.txt", run.boxes, one_based=self.one_based)
            results_io.write_times(stage / results_io.onepass_times_path(".", name), run.times)
            if run.corners is not None:
                results_io.write_polygons(results_io.polygons_path(stage, name), run.corners, self.one_based)


class Got10kJob(_Job):
    """GOT-10k: ``repetitions`` passes per sequence (1 for deterministic trackers), results and times."""

    def __init__(self, tracker_spec, out_dir, repetitions: int, tracker=None):
        super().__init__(tracker_spec, out_dir, tracker)
        self.repetitions = repetitions

    def frames(self, sequence) -> int:
        return len(sequence) * self.repetitions

    def finished_files(self, sequence) -> list:
        name = sequence.name
        return [f"{name}/{name}_{r + 1:03d}.txt" for r in range(self.repetitions)] + [f"{name}/{name}_time.txt"]

    def run(self, sequence, on_frame) -> None:
        runs = [run_onepass(self.tracker, sequence, on_frame) for _ in range(self.repetitions)]
        with staged(self.out_dir, sequence.name, last=self.finished_files(sequence)) as stage:
            results_io.write_got10k(stage, sequence.name, [r.boxes for r in runs], [r.times for r in runs])


class SupervisedJob(_Job):
    """VOT supervised (baseline) protocol with the VOT toolkit's overlap for the failure test."""

    def finished_files(self, sequence) -> list:
        return [f"baseline/{sequence.name}/{sequence.name}_001.txt"]

    def run(self, sequence, on_frame) -> None:
        run = run_supervised(self.tracker, sequence, overlap=vot_overlap_single, on_frame=on_frame)
        with staged(self.out_dir, sequence.name, last=self.finished_files(sequence)) as stage:
            results_io.write_vot(stage, sequence.name, run.records)


def got10k_repetitions(tracker) -> int:
    """1 for a deterministic tracker (the got10k package stops after one identical rerun), else 3."""
    return 1 if tracker.deterministic else GOT10K_REPETITIONS
