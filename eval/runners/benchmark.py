"""From a benchmark name to its protocol, the job that runs it, and its scores from the evaluation harness.

Scores are computed from the result files as written (read back with ``eval.results_io``), so a resumed or
sharded run is scored exactly like an uninterrupted one, and what is scored is what a user would exchange.
"""
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from datasets.benchmarks import canonical_name
from eval import results_io
from eval.got10k_metrics import evaluate_got10k
from eval.onepass import evaluate_onepass, mean_fps
from eval.rotated import RotatedSequence, polygon_success_auc, read_polygons
from eval.vot import evaluate_vot
from eval.runners.jobs import Got10kJob, OnePassJob, SupervisedJob, got10k_repetitions


def protocol_of(dataset: str) -> str:
    """``"supervised"`` for VOT, ``"got10k"`` for GOT-10k, else ``"onepass"``."""
    name = canonical_name(dataset)
    if name.startswith("VOT"):
        return "supervised"
    if name.startswith("GOT10k"):
        return "got10k"
    return "onepass"


def make_job(protocol: str, dataset: str, tracker_spec, out_dir, tracker):
    """The job for ``protocol``; ``tracker`` is the already built tracker (used in this process)."""
    if protocol == "supervised":
        return SupervisedJob(tracker_spec, out_dir, tracker)
    if protocol == "got10k":
        return Got10kJob(tracker_spec, out_dir, got10k_repetitions(tracker), tracker)
    return OnePassJob(tracker_spec, out_dir, results_io.one_based_for(canonical_name(dataset)), tracker)


@dataclass
class Report:
    """A tracker's scores on one benchmark: ``overall`` numbers, ``per_sequence`` and ``extra`` sections."""

    tracker: str
    benchmark: str
    overall: dict
    per_sequence: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def table(self) -> str:
        """A short human-readable summary of the headline numbers."""
        numbers = {k: v for k, v in self.overall.items() if isinstance(v, (int, float)) and k != "sequences"}
        numbers.update({k: v for k, v in self.extra.items() if isinstance(v, (int, float))})
        cells = "  ".join(f"{k} {v:.3f}" if v is not None else f"{k} -" for k, v in numbers.items())
        return f"{self.tracker} on {self.benchmark} ({self.overall.get('sequences', '?')} sequences): {cells}"

    def save(self, path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
        tmp.write_text(json.dumps({"tracker": self.tracker, "benchmark": self.benchmark, "overall": self.overall,
                                   "per_sequence": self.per_sequence, **self.extra}, indent=1))
        os.replace(tmp, path)
        return path


def score(protocol: str, dataset: str, sequences, out_dir, tracker: str) -> Report:
    """Score the result files under ``out_dir`` against ``sequences`` with the evaluation harness."""
    scorers = {"onepass": _score_onepass, "got10k": _score_got10k, "supervised": _score_supervised}
    return scorers[protocol](canonical_name(dataset), sequences, Path(out_dir), tracker)


def _score_got10k(dataset, sequences, out_dir, tracker) -> Report:
    boxes, times = {}, {}
    for seq in sequences:
        boxes[seq.name], times[seq.name] = results_io.read_got10k(out_dir, seq.name, n_frames=len(seq.boxes))
    result = evaluate_got10k(sequences, boxes, tracker=tracker, times=times)
    overall = result.overall()
    curve = overall.pop("success_curve")
    return Report(tracker, dataset, overall, result.per_sequence(), {"curves": {"success_curve": curve}})


def _score_supervised(dataset, sequences, out_dir, tracker) -> Report:
    runs = {seq.name: results_io.read_vot(out_dir, seq.name, n_frames=len(seq)) for seq in sequences}
    result = evaluate_vot(sequences, runs, year=dataset, tracker=tracker)
    summary = result.summary()
    curve = summary.pop("expected_overlap_curve")
    summary["sequences"] = len(sequences)
    return Report(tracker, dataset, summary, result.per_sequence, {"curves": {"expected_overlap_curve": curve}})


def _score_onepass(dataset, sequences, out_dir, tracker) -> Report:
    one_based = results_io.one_based_for(dataset)
    boxes, times = {}, []
    for seq in sequences:
        n = len(seq.boxes)
        boxes[seq.name] = results_io.read_onepass(out_dir / f"{seq.name}.txt", n_frames=n, one_based=one_based)
        seq_times = results_io.read_times(results_io.onepass_times_path(out_dir, seq.name), n_frames=n)
        if seq_times is not None:
            times.append(seq_times)
    result = evaluate_onepass(sequences, boxes, tracker=tracker, fps=mean_fps(times))
    summary = result.summary()
    overall = {k: summary[k] for k in ("success_auc", "precision_20", "norm_precision_20", "fps", "sequences")}
    report = Report(tracker, dataset, overall, result.per_sequence())
    report.extra["curves"] = {k: summary[k] for k in ("success_curve", "precision_curve", "norm_precision_curve")}
    if sequences and all(isinstance(s, RotatedSequence) for s in sequences):
        polygons = {s.name: read_polygons(out_dir / "polygons" / f"{s.name}.txt", len(s), one_based)
                    for s in sequences if (out_dir / "polygons" / f"{s.name}.txt").is_file()}
        if len(polygons) == len(sequences):
            report.extra["polygon_success_auc"] = polygon_success_auc(sequences, polygons)
    return report
