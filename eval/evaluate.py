"""Evaluate a tracker's result folder against ground-truth sequences: pick the protocol from the dataset
name, read the files (``eval.results_io``), score them (``eval.onepass``, ``eval.got10k_metrics``,
``eval.vot``) and return plain dicts ready for ``report.json``."""
from pathlib import Path

from core.errors import TrackingError
from eval import results_io
from eval.got10k_metrics import evaluate_got10k
from eval.onepass import evaluate_onepass, mean_fps
from eval.vot import evaluate_vot


def protocol_for(dataset: str) -> str:
    name = dataset.upper()
    if name.startswith("VOT"):
        return "vot"
    if name.startswith("GOT"):
        return "got10k"
    if name.startswith("LASOT"):
        return "lasot"
    return "onepass"


def load_onepass_results(tracker_dir, sequences, one_based: bool, pad_missing: bool = False):
    """``(results, fps)`` for the one-pass layout: sequence name -> 0-based ``(N, 4)`` boxes, and the got10k
    style mean FPS from ``times/<Seq>_time.txt`` (NaN without time files)."""
    index = results_io.index_folder(tracker_dir)
    times_dir = Path(tracker_dir) / "times"
    times_index = results_io.index_folder(times_dir, suffix="_time.txt") if times_dir.is_dir() else {}
    results, times = {}, []
    for seq in sequences:
        path = results_io.find_in(index, seq.name)
        if path is None:
            raise TrackingError(f"{tracker_dir}: no result file for sequence {seq.name}")
        results[seq.name] = results_io.read_onepass(path, len(seq.ground_truth), one_based, pad_missing)
        tpath = results_io.find_in(times_index, seq.name)
        if tpath is not None:
            times.append(results_io.read_times(tpath))
    return results, mean_fps(times)


def evaluate_tracker(dataset: str, sequences, tracker_dir, first_frame_gt: bool = False,
                     pad_missing: bool = False) -> dict:
    """``{"overall", "per_sequence", "per_attribute"}`` for one tracker folder."""
    tracker_dir = Path(tracker_dir)
    name = tracker_dir.name
    protocol = protocol_for(dataset)
    if protocol in ("onepass", "lasot"):
        results, fps = load_onepass_results(tracker_dir, sequences, results_io.one_based_for(dataset), pad_missing)
        res = evaluate_onepass(sequences, results, tracker=name, first_frame_gt=first_frame_gt, fps=fps)
        return {"overall": res.summary(), "per_sequence": res.per_sequence(), "per_attribute": res.per_attribute()}
    if protocol == "got10k":
        boxes, times = {}, {}
        for seq in sequences:
            boxes[seq.name], times[seq.name] = results_io.read_got10k(tracker_dir, seq.name, len(seq.ground_truth),
                                                                      pad_missing)
        res = evaluate_got10k(sequences, boxes, tracker=name, times=times)
        return {"overall": res.overall(), "per_sequence": res.per_sequence()}
    runs = {seq.name: results_io.read_vot(tracker_dir, seq.name, len(seq.ground_truth)) for seq in sequences}
    year = dataset.upper()[:7]
    res = evaluate_vot(sequences, runs, year, tracker=name)
    return {"overall": res.summary(), "per_sequence": res.per_sequence}
