"""What the IEN benchmarks share: the validation split of issue 9, the shipped tracker names, and one-pass runs
through the test runner's jobs (results cached under a results folder, keyed by a hash of the weights and
settings, so a rerun only scores and a replaced model is run afresh).

Why the validation split lives here: training must never read these sequences (the training configs exclude
them by name), and every accuracy figure of ``benchmarks/RESULTS_ien.md`` is measured on exactly them.
"""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import _bootstrap  # noqa: F401,E402  (the repository root first on sys.path)

DATA = REPO.parent / "shared" / "data"

#: issue 9's validation split: (root under ../shared/data, load_benchmark name, sequences)
VALIDATION_SPLIT = (
    ("OTB", "folder", ("Crossing", "Couple", "Football1", "KiteSurf", "Human7", "Vase", "Bolt")),
    ("UAV", "folder", ("wakeboard7", "Gull1")),
    ("VOT", "VOT2018", ("bag", "ball1")),
)
#: the shipped trackers (tracker/registry.py): IEN and its two baselines, same network, data and pairs seen
SHIPPED = ("siamfc_ien", "siamfc_base", "siamfc_rotaug")
#: the heterogeneous IEN model with 30% fewer channels
HETERO = "siamfc_ien_hetero"


def validation_sequences(data_root=DATA) -> list:
    """The 11 validation sequences (OTB and UAV boxes; VOT polygons, scored on their axis-aligned boxes)."""
    from datasets.benchmarks import load_benchmark

    sequences = []
    for folder, benchmark, names in VALIDATION_SPLIT:
        sequences += load_benchmark(benchmark, Path(data_root) / folder, strict=True, sequences=list(names))
    return sequences


def parse_variant(text: str) -> tuple:
    """``LABEL=NAME:WEIGHTS`` (a registered tracker with other weights, e.g. another training seed) ->
    ``(label, name, weights)``; a plain ``NAME`` -> ``(NAME, NAME, None)``. A tracker without trained weights
    is labelled ``NAME-random``, so its rows and cached results say "random weights"."""
    from tracker.registry import RANDOM_SUFFIX, untrained

    if "=" not in text:
        return text + (RANDOM_SUFFIX if untrained(text) else ""), text, None
    label, _, rest = text.partition("=")
    name, sep, weights = rest.partition(":")
    if not (label and name and sep and weights):
        from core.errors import TrackingError

        raise TrackingError(f"{text!r}: expected a tracker name or LABEL=NAME:WEIGHTS")
    return label, name, weights


def onepass_scores(tracker: str, sequences, benchmark: str, results, workers: int = 1) -> dict:
    """Run ``tracker`` (a registered name, or ``LABEL=NAME:WEIGHTS``) one-pass on ``sequences`` and score them
    with the evaluation harness (:func:`onepass_report`); returns the harness's overall figures
    (``success_auc``, ``precision_20``, ``fps``, ...)."""
    from eval.runners.jobs import TrackerSpec
    from tracker.registry import untrained

    label, name, weights = parse_variant(tracker)
    if untrained(name, weights):
        print(f"{label}: random weights ({name} has no trained weights)", file=sys.stderr)
    return onepass_report(label, TrackerSpec(name, weights), sequences, benchmark, results, workers)[0]["overall"]


def onepass_report(label: str, spec, sequences, benchmark: str, results, workers: int = 1) -> tuple:
    """Run the tracker of ``spec`` (an ``eval.runners.jobs.TrackerSpec``) one-pass on ``sequences``; return the
    harness's report (``overall``, ``per_sequence``) and the results folder.

    Results go to ``results/<benchmark>/<label>-<fingerprint>/`` in the runner's format, the fingerprint being a
    hash of the config, the weights' bytes, the overrides and the seed (``TrackerSpec.fingerprint``): finished
    sequences are not run again, replaced weights under the same label get a folder of their own, and the same
    tracker under another label reuses its folder (:func:`results_folder`).
    """
    from eval.runners.benchmark import make_job, score
    from eval.runners.execution import execute

    out_dir = results_folder(Path(results) / benchmark, label, spec.fingerprint())
    job = make_job("folder", spec, out_dir, None)
    summary = execute(job, sequences, workers=workers, desc=f"{label} on {benchmark}")
    if summary.failed:
        raise RuntimeError(f"{label} on {benchmark}: failed on " + ", ".join(
            f"{o.name} ({o.error})" for o in summary.failed))
    return score("folder", sequences, out_dir), out_dir


def results_folder(root: Path, label: str, fingerprint: str) -> Path:
    """``root/<label>-<fingerprint>``, unless the same tracker (same fingerprint) already has results there under
    another label: then that folder, so a run that two studies name differently is tracked once, not twice."""
    own = root / f"{label}-{fingerprint}"
    if own.is_dir():
        return own
    same = sorted(p for p in root.glob(f"*-{fingerprint}") if p.is_dir())
    return same[0] if same else own


def write_report(report: dict, path, results, stem: str) -> Path:
    """Write a benchmark's figures as JSON to ``path``, or when none is given to
    ``<results>/reports/<stem>-<time>.json``; print and return where."""
    import json
    import time

    path = Path(path or Path(results) / "reports" / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1))
    print(f"\nall figures: {path}")
    return path


def table(rows: dict, columns, first: str = "tracker") -> str:
    """A plain-text table: ``rows`` maps a name to ``{column: value}``; ``columns`` are ``(key, header, fmt)``;
    ``first`` heads the column of row names."""
    width = max(len(name) for name in list(rows) + [first]) + 2
    text = {name: [format(values[k], fmt) if values.get(k) is not None else "n/a" for k, _, fmt in columns]
            for name, values in rows.items()}
    cell = [max([14, len(h) + 2] + [len(cells[i]) + 2 for cells in text.values()])
            for i, (_, h, _) in enumerate(columns)]
    head = f"{first:<{width}}" + "".join(f"{h:>{c}}" for (_, h, _), c in zip(columns, cell))
    lines = [head] + [f"{name:<{width}}" + "".join(f"{v:>{c}}" for v, c in zip(cells, cell))
                      for name, cells in text.items()]
    return "\n".join(lines)
