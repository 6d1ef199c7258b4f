"""Training logs: a CSV file (one row per ``log_interval`` steps) and TensorBoard events, main process only.

Why rewrite the CSV on resume: rows written after the last checkpoint by a run that was then killed describe
steps that will be trained again; keeping them would give two rows for one step.
"""
import csv
import os
from pathlib import Path

LOG_NAME = "log.csv"
FIXED = ("step", "epoch", "pairs_seen", "wall_s", "pairs_per_s", "lr", "loss")


class RunLog:
    def __init__(self, output: Path, start_step: int, enabled: bool):
        self.enabled = enabled
        self.path = Path(output) / LOG_NAME
        self.fields = None
        self.writer = None
        if not enabled:
            return
        if self.path.is_file():
            with open(self.path, newline="") as fh:
                reader = csv.DictReader(fh)
                self.fields = reader.fieldnames
                kept = [row for row in reader if int(row["step"]) <= start_step]
            tmp = self.path.with_name(self.path.name + ".tmp")
            with open(tmp, "w", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=self.fields)
                writer.writeheader()
                writer.writerows(kept)
            os.replace(tmp, self.path)
        from torch.utils.tensorboard import SummaryWriter

        self.tb = SummaryWriter(log_dir=str(Path(output) / "tensorboard"), purge_step=start_step or None)

    def write(self, row: dict) -> None:
        if not self.enabled:
            return
        if self.fields is None:
            self.fields = list(FIXED) + sorted(k for k in row if k not in FIXED)
            with open(self.path, "w", newline="") as fh:
                csv.DictWriter(fh, fieldnames=self.fields).writeheader()
        with open(self.path, "a", newline="") as fh:
            csv.DictWriter(fh, fieldnames=self.fields, extrasaction="ignore").writerow(
                {k: _fmt(v) for k, v in row.items()})
        for key, value in row.items():
            if key not in ("step", "epoch"):
                self.tb.add_scalar(f"train/{key}", value, row["step"])

    def close(self) -> None:
        if self.enabled:
            self.tb.close()


def _fmt(value):
    return f"{value:.6g}" if isinstance(value, float) else value
