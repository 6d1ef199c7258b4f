"""The old code against the new on one training config (``bench_training.py --baseline REF``): speed and results.

Each side is the code of one source tree (the working tree, and revision ``REF`` exported with ``git archive``)
training the same config from the same seed in its own worker processes (:mod:`benchmarks.training_worker`).
The sides take turns in blocks of steps, the side that goes first alternating from block to block, so a machine
whose load drifts slows both alike; compile or warm-up time counts, since every step is timed. ``copies`` workers
per side run each block at the same time (two 1-thread runs of a 2-core machine). Results must agree: the
per-step loss of the first steps within an absolute tolerance, and the mean loss of the last quarter of the steps
(150-200 of 200) within a relative one.
"""
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from core.errors import TrackingError

WORKER = Path(__file__).resolve().with_name("training_worker.py")
REPO = WORKER.parents[1]


@dataclass
class Side:
    """One code path: its workers and what they reported."""

    name: str
    root: Path
    workers: list = field(default_factory=list)
    losses: list = field(default_factory=list)  # the first worker's per-step losses (all copies train alike)
    wall_s: float = 0.0  # wall time of the blocks, copies running together
    cpu_s: float = 0.0  # CPU time summed over the copies

    def pairs_per_s(self, pairs: int) -> float:
        return pairs * len(self.workers) / self.wall_s

    def pairs_per_cpu_s(self, pairs: int) -> float:
        return pairs * len(self.workers) / self.cpu_s


def export_revision(ref: str, dest: Path) -> Path:
    """The repository's files at git revision ``ref``, written under ``dest``."""
    try:
        data = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", ref], check=True,
                              capture_output=True).stdout
    except subprocess.CalledProcessError as err:
        raise TrackingError(f"--baseline {ref}: git archive failed: {err.stderr.decode().strip()}") from None
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def start_worker(root: Path, config: str, threads: int, overrides: list) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    proc = subprocess.Popen([sys.executable, str(WORKER), str(root), config, str(threads), *overrides],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=os.getcwd())
    _answer(proc)
    return proc


def _answer(proc) -> dict:
    line = proc.stdout.readline()
    if not line:
        raise TrackingError(f"a training worker stopped (exit code {proc.wait()}); its messages are above (an "
                            f"override the other revision does not know is the usual cause)")
    return json.loads(line)


def run_block(side: Side, steps: int) -> None:
    """``steps`` more steps on every worker of ``side`` at once."""
    for proc in side.workers:
        proc.stdin.write(f"{steps}\n")
        proc.stdin.flush()
    answers = [_answer(proc) for proc in side.workers]
    side.losses += answers[0]["losses"]
    side.wall_s += max(a["wall_s"] for a in answers)
    side.cpu_s += sum(a["cpu_s"] for a in answers)


def compare(config: str, overrides: list, baseline: str, steps: int, block: int, threads: int, copies: int,
            progress=print) -> tuple:
    """``(old, new)`` :class:`Side` after ``steps`` steps each, alternating blocks of ``block`` steps."""
    with tempfile.TemporaryDirectory() as tmp:
        old, new = Side(f"baseline {baseline}", export_revision(baseline, Path(tmp))), Side("working tree", REPO)
        try:
            for side in (old, new):
                side.workers = [start_worker(side.root, config, threads, overrides) for _ in range(copies)]
            done = 0
            while done < steps:
                n = min(block, steps - done)
                order = (old, new) if (done // block) % 2 == 0 else (new, old)
                for side in order:
                    run_block(side, n)
                done += n
                progress(f"  {done}/{steps} steps: loss {old.losses[-1]:.4f} (old) {new.losses[-1]:.4f} (new)")
        finally:
            for side in (old, new):
                for proc in side.workers:
                    proc.stdin.close()
                    proc.wait()
    return old, new


def loss_agreement(old: list, new: list, first: int = 20, tolerance: float = 1e-3,
                   relative: float = 0.02) -> dict:
    """Do two runs' per-step losses agree? The first ``first`` steps each within ``tolerance`` (absolute), and the
    mean over the last quarter of the steps (steps 150-200 of 200) within ``relative`` of the old mean."""
    if len(old) != len(new) or not old:
        raise ValueError(f"loss series of {len(old)} and {len(new)} steps")
    head = min(first, len(old))
    step_diff = max(abs(a - b) for a, b in zip(old[:head], new[:head]))
    start = (3 * len(old)) // 4
    mean_old = sum(old[start:]) / len(old[start:])
    mean_new = sum(new[start:]) / len(new[start:])
    mean_diff = abs(mean_new - mean_old) / abs(mean_old)
    return {"first_steps": head, "max_step_diff": step_diff, "steps_ok": step_diff <= tolerance,
            "window": (start + 1, len(old)), "mean_old": mean_old, "mean_new": mean_new,
            "mean_rel_diff": mean_diff, "mean_ok": mean_diff <= relative}
