"""Ranked tables and ``report.json`` from evaluated trackers (one-pass, GOT-10k or VOT results)."""
import json
import math
from pathlib import Path

from eval.onepass import IOU_THRESHOLDS, PIXEL_THRESHOLDS
from eval.plots import plot_curves
from eval.results_io import atomic_write

# Columns per protocol: (key in the overall summary, header, format); the first that has numbers ranks.
COLUMNS = {
    "onepass": [("success_auc", "AUC", "{:.3f}"), ("precision_20", "Prec@20", "{:.3f}"),
                ("norm_precision_20", "NPrec@.2", "{:.3f}"), ("fps", "FPS", "{:.1f}")],
    "lasot": [("success_auc", "AUC", "{:.3f}"), ("precision_20", "Prec@20", "{:.3f}"),
              ("norm_precision_20", "NPrec@.2", "{:.3f}"), ("norm_precision_auc", "NPrecAUC", "{:.3f}"),
              ("fps", "FPS", "{:.1f}")],
    "got10k": [("ao", "AO", "{:.3f}"), ("sr50", "SR0.50", "{:.3f}"), ("sr75", "SR0.75", "{:.3f}"),
               ("fps", "FPS", "{:.1f}")],
    "vot": [("eao", "EAO", "{:.3f}"), ("accuracy", "Accuracy", "{:.3f}"), ("robustness", "Robustness", "{:.3f}"),
            ("lost_number", "Lost", "{:.1f}")],
}


def ranked_table(overall: dict, protocol: str) -> str:
    """Text table of ``overall`` (tracker -> summary dict), best first by the protocol's main score, or by the
    next column where no tracker has that score (EAO on VOT2013/VOT2014); a missing number shows as ``-``."""
    cols = COLUMNS[protocol]
    key = next((k for k, _, _ in cols if any(_finite(o.get(k)) for o in overall.values())), cols[0][0])
    names = sorted(overall, key=lambda n: -_num(overall[n].get(key)))
    width = max([len("Tracker")] + [len(n) for n in names])
    head = f"{'Tracker':<{width}} " + " ".join(f"{h:>10}" for _, h, _ in cols)
    lines = [head, "-" * len(head)]
    for n in names:
        cells = []
        for k, _, fmt in cols:
            v = overall[n].get(k)
            cells.append(f"{fmt.format(v) if _finite(v) else '-':>10}")
        lines.append(f"{n:<{width}} " + " ".join(cells))
    return "\n".join(lines)


def write_report(report_dir, dataset: str, protocol: str, report: dict) -> Path:
    """Write ``report.json`` atomically; ``report`` maps tracker -> {"overall", "per_sequence",
    "per_attribute"?}."""
    path = Path(report_dir) / "report.json"
    payload = {"dataset": dataset, "protocol": protocol, "trackers": _clean(report)}
    atomic_write(path, json.dumps(payload, indent=1))
    return path


def onepass_plots(report_dir, dataset: str, overall: dict) -> list:
    """Success and precision plots for one-pass results (one curve per tracker)."""
    report_dir = Path(report_dir)
    succ = {n: (o["success_curve"], o["success_auc"]) for n, o in overall.items()}
    prec = {n: (o["precision_curve"], o["precision_20"]) for n, o in overall.items()}
    return [plot_curves(report_dir / "success_plot.png", IOU_THRESHOLDS, succ,
                        f"Success plots of OPE on {dataset}", "Overlap threshold", "Success rate"),
            plot_curves(report_dir / "precision_plot.png", PIXEL_THRESHOLDS, prec,
                        f"Precision plots of OPE on {dataset}", "Location error threshold (px)", "Precision")]


def got10k_plot(report_dir, dataset: str, overall: dict) -> list:
    from eval.got10k_metrics import GOT10K_THRESHOLDS
    succ = {n: (o["success_curve"], o["ao"]) for n, o in overall.items()}
    return [plot_curves(Path(report_dir) / "success_plot.png", GOT10K_THRESHOLDS, succ,
                        f"Success plots on {dataset}", "Overlap threshold", "Success rate")]


def _num(v) -> float:
    return float(v) if _finite(v) else -math.inf


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def _clean(obj):
    """JSON-safe copy: NaN/inf become null, NumPy scalars plain floats."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
