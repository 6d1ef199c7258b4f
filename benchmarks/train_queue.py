"""Run a list of trainings on a CPU budget: at most ``--jobs`` at once, each with ``--threads`` torch threads,
finished runs skipped and interrupted ones resumed, so the same command continues a study in the next session.

    python benchmarks/train_queue.py QUEUE.yaml [--jobs 2] [--threads 1] [--dry-run]

The queue file lists runs in order; each is ``{output: RUN_FOLDER, config: CONFIG.yaml, set: [KEY=VALUE, ...]}``
(``set`` optional). A run is finished when its folder holds ``model.safetensors`` (the trainer writes it last),
interrupted when it holds only ``checkpoint.pt`` (started again with ``--resume``: the trainer's resume is exact).
Each run's output goes to ``RUN_FOLDER.log``. The file is read again before each start, so runs added or
reordered while the queue works are picked up; ``RUN_FOLDER.pid`` marks a run in progress, so a second queue on
the same file (or a restarted one) leaves it alone. Why a queue and not a shell loop: two trainings per 2-core machine
is the budget, sessions end abruptly, and the next one must pick up the same list without redoing finished work.
"""
import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import _bootstrap  # noqa: F401,E402  (the repository root first on sys.path)
import yaml  # noqa: E402

from core.cli import run_tool  # noqa: E402
from core.errors import TrackingError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class QueuedRun:
    output: Path
    config: str
    overrides: list = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return (self.output / "model.safetensors").is_file()

    @property
    def interrupted(self) -> bool:
        return not self.finished and (self.output / "checkpoint.pt").is_file()

    @property
    def pid_file(self) -> Path:
        return Path(f"{self.output}.pid")

    @property
    def in_progress(self) -> bool:
        """A training process named by ``RUN_FOLDER.pid`` is alive."""
        try:
            os.kill(int(self.pid_file.read_text()), 0)
        except (OSError, ValueError):
            return False
        return True

    def command(self) -> list:
        cmd = [sys.executable, str(ROOT / "tools" / "train_tracker.py"), "--config", self.config,
               "--output", str(self.output), "--device", "cpu"]
        for override in self.overrides:
            cmd += ["--set", override]
        return cmd + (["--resume"] if self.interrupted else [])


def read_queue(path: Path) -> list:
    try:
        entries = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise TrackingError(f"{path}: cannot read the queue ({err})") from None
    if not isinstance(entries, list):
        raise TrackingError(f"{path}: expected a list of runs, got {type(entries).__name__}")
    runs = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not {"output", "config"} <= set(entry) or set(entry) - {"output", "config",
                                                                                                  "set"}:
            raise TrackingError(f"{path}: run {i + 1}: expected keys output, config and optional set, got {entry!r}")
        overrides = entry.get("set") or []
        if not isinstance(overrides, list) or not all(isinstance(o, str) and "=" in o for o in overrides):
            raise TrackingError(f"{path}: run {i + 1}: set must be a list of KEY=VALUE strings")
        runs.append(QueuedRun(Path(entry["output"]), str(entry["config"]), overrides))
    outputs = [run.output.resolve() for run in runs]
    if len(set(outputs)) != len(outputs):
        raise TrackingError(f"{path}: two runs share an output folder")
    return runs


def run_queue(path: Path, jobs: int, threads: int, dry_run: bool = False) -> int:
    """Start the pending runs of the queue file in order, ``jobs`` at a time; returns how many failed."""
    runs = read_queue(path)
    pending = [run for run in runs if not run.finished]
    print(f"{len(runs) - len(pending)} of {len(runs)} runs finished; {len(pending)} to run", flush=True)
    if dry_run:
        for run in pending:
            print(("(in progress) " if run.in_progress else "") + " ".join(run.command()))
        return 0
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    active, failed, tried = {}, 0, set()
    while True:
        if len(active) < jobs:
            waiting = [run for run in read_queue(path) if not run.finished and not run.in_progress
                       and run.output.resolve() not in tried]
            if waiting:
                run = waiting[0]
                tried.add(run.output.resolve())  # a failed run is not retried in the same queue
                run.output.parent.mkdir(parents=True, exist_ok=True)
                log = open(f"{run.output}.log", "a")
                print(f"start {run.output}{' (resume)' if run.interrupted else ''}", flush=True)
                proc = subprocess.Popen(run.command(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
                run.pid_file.write_text(str(proc.pid))
                active[proc] = (run, log)
                continue
            if not active:
                return failed
        time.sleep(5)
        for proc in [p for p in active if p.poll() is not None]:
            run, log = active.pop(proc)
            log.close()
            run.pid_file.unlink(missing_ok=True)
            failed += proc.returncode != 0
            print(f"{'done' if proc.returncode == 0 else f'FAILED (exit {proc.returncode})'} {run.output}",
                  flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("queue", type=Path, help="YAML list of runs: {output, config, set: [KEY=VALUE, ...]}")
    parser.add_argument("--jobs", type=int, default=2, help="trainings at once (default 2: one per core here)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per training (default 1)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands of the pending runs only")
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.threads < 1:
        raise TrackingError("--jobs and --threads must be >= 1")
    return 1 if run_queue(args.queue, args.jobs, args.threads, args.dry_run) else 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
