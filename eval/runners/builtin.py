"""The built-in benchmark behind ``python tools/test_tracker.py --builtin``: the shipped trackers side by side on
deterministic synthetic sequences, with nothing to download.

Why synthetic: the sequences come from :func:`datasets.synthetic.synthetic_benchmark` (objects turning 1-4
degrees per frame and scaling within 1.5x, exact ground truth), rendered in memory from a fixed seed, so every
user gets the same frames and the same numbers without a dataset, and rotation -- what IEN is about -- is the
main difficulty. The default size keeps the four default trackers within a few minutes on 2 CPU cores.

The benchmark's name encodes its size (``synthetic-8x100``), so results of differently sized runs never mix in
one results folder and a rerun of the same size resumes. It is scored with the one-pass protocol, 0-based boxes.
"""
from datasets.synthetic import synthetic_benchmark
from tracker.registry import TRACKERS, shipped_weights

#: the trackers ``--builtin`` compares unless ``--tracker`` names others: the shipped IEN SiamFC, its plain and
#: rotation-augmented baselines (same network, data and budget), and OpenCV's CSRT
BUILTIN_TRACKERS = ("dcf_ien", "siamfc_ien", "siamfc_base", "siamfc_rotaug", "csrt")
BUILTIN_SEQUENCES = 8
BUILTIN_FRAMES = 100
BUILTIN_SEED = 0


def builtin_sequences(n_sequences: int = BUILTIN_SEQUENCES, n_frames: int = BUILTIN_FRAMES) -> list:
    """The built-in benchmark's sequences (rendered on demand; they pickle, so worker processes can run them)."""
    return synthetic_benchmark(n_sequences=n_sequences, n_frames=n_frames, seed=BUILTIN_SEED)


def builtin_benchmark_name(n_sequences: int = BUILTIN_SEQUENCES, n_frames: int = BUILTIN_FRAMES) -> str:
    """Results folder name of the benchmark of that size (one-pass protocol, 0-based result files)."""
    return f"synthetic-{n_sequences}x{n_frames}"


def runnable_trackers(names=None) -> tuple:
    """``(runnable, unavailable)``: ``names`` (default :data:`BUILTIN_TRACKERS`) split into those that can run now and those that are not
    registered or whose shipped weights file is missing (the shipped models are trained separately, so a
    checkout may lack some of them; the built-in run then compares the rest instead of failing)."""
    runnable, unavailable = [], []
    for name in BUILTIN_TRACKERS if names is None else names:
        entry = TRACKERS.get(name)
        ready = entry is not None and (entry.checkpoint is None or shipped_weights(entry) is not None)
        (runnable if ready else unavailable).append(name)
    return runnable, unavailable


def unavailable_message(unavailable) -> str:
    """The one warning line naming the default trackers that are skipped, and why."""
    return (f"warning: skipping {', '.join(unavailable)}: not registered, or shipped weights missing; "
            f"comparing the others")
