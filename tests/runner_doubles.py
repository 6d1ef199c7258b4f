"""Test doubles for the runner tests: in-memory sequences whose frames say their own index, and a tracker that
answers from a script (ground truth, or a wrong box at chosen frames). Importable by spawned worker processes."""
from pathlib import Path

import numpy as np

from core.errors import TrackingError
from datasets.sequence import Sequence
from eval.runners.execution import staged
from eval.runners.onepass import run_onepass
from tracker.base import Tracker, TrackState


class MemorySequence(Sequence):
    """Frames are generated, not read: frame ``i`` is a small image filled with the value ``i % 256`` (so a
    tracker can tell which frame it sees); ``decoded`` counts the frames actually produced."""

    bad_frames = ()

    def image(self, index):
        if index in self.bad_frames:
            raise TrackingError(f"{self.frames[index]}: cannot read image (missing, unreadable or not an image)")
        self.meta["decoded"] = self.meta.get("decoded", 0) + 1
        return np.full((60, 80, 3), index % 256, np.uint8)

    @property
    def image_size(self):
        return (80, 60)


def memory_sequence(name, n=12, bad_frames=()):
    """A target drifting right by one pixel per frame; ``bad_frames`` cannot be decoded."""
    gt = np.array([[10.0 + i, 20.0, 15.0, 10.0] for i in range(n)])
    seq = MemorySequence(name, [f"{name}/{i + 1:04d}.jpg" for i in range(n)], gt)
    seq.bad_frames = tuple(bad_frames)
    return seq


class ScriptedTracker(Tracker):
    """Answers the ground truth of the frame it sees, except at ``wrong_at`` frames where it answers a box far
    from the target; records the boxes it was initialised with."""

    name = "scripted"

    def __init__(self, ground_truth, wrong_at=()):
        super().__init__()
        self.ground_truth = np.asarray(ground_truth, dtype=np.float64)
        self.wrong_at = set(wrong_at)
        self.inits = []

    def initialize(self, image, box):
        self.inits.append((int(image[0, 0, 0]), box.copy()))

    def step(self, image):
        i = int(image[0, 0, 0])
        if i in self.wrong_at:
            return TrackState(box=np.array([500.0, 500.0, 5.0, 5.0]), score=0.1)
        return TrackState(box=self.ground_truth[i].copy(), score=0.9)


class WritingJob:
    """A minimal executor job: track with the ground truth and write ``<out>/<name>.txt`` (one box per line)."""

    def __init__(self, out_dir):
        self.out_dir = Path(out_dir)
        self.tracker = None

    def setup(self):
        self.tracker = _GroundTruthEcho()

    def frames(self, sequence):
        return len(sequence)

    def is_done(self, sequence):
        return (self.out_dir / f"{sequence.name}.txt").is_file()

    def run(self, sequence, on_frame):
        self.tracker.ground_truth = sequence.ground_truth
        result = run_onepass(self.tracker, sequence, on_frame)
        with staged(self.out_dir, sequence.name) as stage:
            np.savetxt(stage / f"{sequence.name}.txt", result.boxes, fmt="%.3f", delimiter=",")


class _GroundTruthEcho(ScriptedTracker):
    def __init__(self):
        super().__init__(np.zeros((0, 4)))
