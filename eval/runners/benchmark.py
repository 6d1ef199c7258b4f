"""From a benchmark name to the job that runs it, and its scores from the evaluation harness.

Scores are computed by ``eval.evaluate.evaluate_tracker`` from the result files as written, so a resumed or
sharded run is scored exactly like an uninterrupted one, and what is scored is what a user would exchange. The
sequences passed in are the ones that were run (for the rotated benchmark, the rotated ones), which is why the
harness is called in-process rather than through ``tools/eval_tracker.py``.
"""
from pathlib import Path

from eval import results_io
from eval.evaluate import evaluate_tracker, protocol_for
from eval.onepass import polygon_success_auc
from eval.rotated import RotatedSequence
from eval.runners.jobs import Got10kJob, OnePassJob, SupervisedJob, got10k_repetitions


def make_job(dataset: str, tracker_spec, out_dir, tracker):
    """The job for ``dataset``'s protocol; ``tracker`` is the already built tracker (used in this process)."""
    protocol = protocol_for(dataset)
    if protocol == "vot":
        return SupervisedJob(tracker_spec, out_dir, tracker)
    if protocol == "got10k":
        return Got10kJob(tracker_spec, out_dir, got10k_repetitions(tracker), tracker)
    return OnePassJob(tracker_spec, out_dir, results_io.one_based_for(dataset), tracker)


def score(dataset: str, sequences, out_dir) -> dict:
    """``{"overall", "per_sequence", ...}`` of the results under ``out_dir``; on the rotated benchmark, for
    trackers that wrote rotated boxes, ``overall["polygon_success_auc"]`` too (polygon IoU, reported apart)."""
    out_dir = Path(out_dir)
    report = evaluate_tracker(dataset, sequences, out_dir)
    if sequences and all(isinstance(s, RotatedSequence) for s in sequences):
        files = {s.name: results_io.polygons_path(out_dir, s.name) for s in sequences}
        if all(path.is_file() for path in files.values()):
            one_based = results_io.one_based_for(dataset)
            polygons = {name: results_io.read_polygons(path, len(s), one_based)
                        for (name, path), s in zip(files.items(), sequences)}
            report["overall"]["polygon_success_auc"] = polygon_success_auc(sequences, polygons)
    return report
