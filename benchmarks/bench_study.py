"""A study over trained runs (issue 13's ablation and learning curves): every run measured on every split, seeds
gathered per model, each model against a reference by issue 12's rule, and accuracy against pairs seen.

    python benchmarks/bench_study.py STUDY.yaml [--results results/dcf] [--plot PATH.png] [--json PATH]

The study file (``benchmarks/studies/*.yaml``)::

    splits:                                   # bench_dcf split names; settings: the split's tracker settings
      - {split: tuning-uav2}
      - {split: tuning-uav2-rot2, settings: [rotation.enabled=true]}
    reference: rotaug                         # optional: every other model is compared with it ...
    references: {ien_w0.35: rotaug_w0.35}     # ... or with its own control
    runs:
      - {model: rotaug, seed: 0, run: /work/runs/ablation_fc/rotaug_s0}      # RUN/config.yaml + RUN/model.safetensors
      - {model: ien, seed: 0, pairs: 10000, tracker: siamfc_ien}              # a registered tracker
      - {model: ien, seed: 1, pairs: 10000, tracker: configs/siamfc_ien.yaml, weights: RUN/model.safetensors}

A model is the rows sharing ``model`` and ``pairs`` (pairs seen in training, optional); its seeds are gathered
(mean, min, max, range: ``eval/seeds.py``). Runs whose weights do not exist yet (a study still training) are
listed as pending and left out, so the same command can be re-run as runs finish. A run whose training config
read any of a split's sequences is refused on that split (except on ``training-*`` splits), before any tracking.
Tracking results are cached by ``bench_dcf.measure`` (keyed by config, weights, settings and backend), so a
re-run only tracks new runs.
``--plot`` draws each model's mean AUC against pairs seen (log scale), one panel per split, for models with
``pairs``.
"""
import argparse
import functools
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import bench_dcf
import ien_common
import yaml

from core.cli import run_tool
from core.errors import TrackingError


@dataclass(frozen=True)
class StudyRun:
    model: str
    seed: int
    tracker: str
    weights: str
    pairs: int = None

    @property
    def key(self) -> tuple:
        """The model a run belongs to: its name and pairs seen."""
        return self.model, self.pairs

    @property
    def label(self) -> str:
        return f"{self.model}{'' if self.pairs is None else f'_p{self.pairs}'}_s{self.seed}"


def model_name(key: tuple) -> str:
    model, pairs = key
    return model if pairs is None else f"{model}@{pairs}"


def read_study(path) -> tuple:
    """``(splits, references, runs)`` from a study file (``references``: model -> the model it is compared with);
    one-line errors for what is missing or malformed."""
    path = Path(path)
    if not path.is_file():
        raise TrackingError(f"{path}: no such study file")
    try:
        study = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise TrackingError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(study, dict) or not study.get("splits") or not study.get("runs"):
        raise TrackingError(f"{path}: expected a mapping with 'splits' and 'runs' lists")
    splits = []
    for item in study["splits"]:
        item = {"split": item} if isinstance(item, str) else item
        if not isinstance(item, dict) or "split" not in item:
            raise TrackingError(f"{path}: split {item!r}: expected {{split: NAME, settings: [KEY=VALUE, ...]}}")
        bench_dcf.split_name(item["split"])  # a bad name fails here, before any tracking
        splits.append((item["split"], tuple(item.get("settings", ()))))
    runs = [study_run(item, path) for item in study["runs"]]
    labels = [r.label for r in runs]
    if len(set(labels)) != len(labels):
        raise TrackingError(f"{path}: two runs share model, pairs and seed: "
                            f"{', '.join(sorted({x for x in labels if labels.count(x) > 1}))}")
    models = {r.model for r in runs}
    own = study.get("references") or {}
    if not isinstance(own, dict):
        raise TrackingError(f"{path}: references: expected a mapping MODEL: REFERENCE")
    reference = study.get("reference")
    references = {m: own.get(m, reference) for m in models}
    references = {m: ref for m, ref in references.items() if ref is not None and ref != m}
    unknown = sorted({ref for ref in references.values() if ref not in models} | (set(own) - models))
    if unknown:
        raise TrackingError(f"{path}: reference {', '.join(map(repr, unknown))} is not a model of the study")
    return splits, references, runs


def study_run(item, path) -> StudyRun:
    """One ``runs`` entry: ``run: FOLDER`` (a training run's config and weights) or ``tracker`` [+ ``weights``]."""
    form = "expected {model: NAME, seed: N, run: FOLDER} or {model, seed, tracker[, weights]} (pairs optional)"
    if not isinstance(item, dict) or "model" not in item or not isinstance(item.get("seed"), int):
        raise TrackingError(f"{path}: run {item!r}: {form}")
    if ("run" in item) == ("tracker" in item):
        raise TrackingError(f"{path}: run {item!r}: give either run or tracker")
    if "run" in item:
        folder = Path(item["run"])
        tracker, weights = str(folder / "config.yaml"), str(folder / "model.safetensors")
    else:
        tracker, weights = str(item["tracker"]), item.get("weights")
    pairs = item.get("pairs")
    if pairs is not None and (not isinstance(pairs, int) or pairs <= 0):
        raise TrackingError(f"{path}: run {item!r}: pairs must be a positive whole number")
    return StudyRun(str(item["model"]), item["seed"], tracker, weights, pairs)


def ready(run: StudyRun) -> bool:
    """Trained: a registered tracker, or a weights file that exists (the trainer writes it last)."""
    return run.weights is None or Path(run.weights).is_file()


def check_held_out(run: StudyRun, split: str, sequences) -> None:
    """A model is scored on sequences its training never read, except on the ``training-*`` splits, which exist
    to measure accuracy on seen data: a tuning or validation figure from a model that trained on the split's
    sequences would be silently optimistic. The training data is read from the run's (or registered tracker's)
    config; a config without a ``data`` section (a tracker trained elsewhere) cannot be checked."""
    from training.data import sequence_folder
    from tracker.registry import build_inputs

    config = build_inputs(run.tracker, run.weights)[0]
    if split.startswith("training") or config is None:
        return
    folders = trained_folders(str(config))
    seen = sorted(seq.name for seq in sequences if sequence_folder(seq) in folders)
    if seen:
        raise TrackingError(f"{run.label}: its training ({config}) read {', '.join(seen)} of split {split}; "
                            f"score it on sequences it never saw")


@functools.lru_cache(maxsize=None)
def trained_folders(config: str) -> frozenset:
    """The sequence folders the training config ``config`` reads (empty without a ``data`` section), once per
    config for all splits; sources whose data is not on this machine are named, since they go unchecked."""
    from core.config import load_yaml
    from training.config import parse_run_config
    from training.data import trained_sequence_folders

    raw = load_yaml(config)
    if "data" not in raw:
        return frozenset()
    with warnings.catch_warnings():  # a partial LaSOT copy warns about its missing sequences: noise here
        warnings.simplefilter("ignore")
        folders, unread = trained_sequence_folders(parse_run_config(raw, where=config).data)
    for source in unread:
        print(f"note: {config}: {source} is not on this machine, so its sequences are not checked against the splits")
    return frozenset(folders)


def variant(run: StudyRun, settings) -> bench_dcf.Variant:
    spec = f"{run.label}={run.tracker}" + (f":{run.weights}" if run.weights else "")
    return bench_dcf.parse_variant(spec + (f"@{','.join(settings)}" if settings else ""))


def summarise(runs, measured: dict, references: dict) -> tuple:
    """Per model: seed summary of success AUC; per model against its reference (at the same pairs seen): the
    rule's comparison."""
    from eval.seeds import compare, seed_group, verdict

    keys = list(dict.fromkeys(r.key for r in runs))
    groups = {key: seed_group((measured[r.label]["figures"]["success_auc"],
                               {s: v["success_auc"] for s, v in measured[r.label]["per_sequence"].items()})
                              for r in runs if r.key == key) for key in keys}
    comparisons = {}
    for key in keys:
        ref = (references.get(key[0]), key[1])
        if ref not in groups:
            continue
        c = compare(groups[key], groups[ref])
        comparisons[key] = {"gap": c.gap, "spread": c.spread, "wins": c.wins, "sequences": c.sequences,
                            "reference": model_name(ref),
                            "verdict": verdict(model_name(key), model_name(ref), groups[key], groups[ref])}
    return groups, comparisons


def print_summary(split: str, groups: dict, comparisons: dict) -> None:
    rows = {}
    for key, g in groups.items():
        c = comparisons.get(key, {})
        rows[model_name(key)] = {"mean": g.mean, "min": g.low, "max": g.high, "range": g.spread,
                                 "seeds": len(g.values), "reference": c.get("reference"), "gap": c.get("gap"),
                                 "won": f"{c['wins']}/{c['sequences']}" if c else None,
                                 "verdict": c.get("verdict")}
    columns = (("mean", "AUC mean", ".3f"), ("min", "min", ".3f"), ("max", "max", ".3f"),
               ("range", "range", ".3f"), ("seeds", "seeds", "d"))
    if comparisons:
        columns += (("reference", "against", ""), ("gap", "gap", "+.3f"), ("won", "seqs won", ""),
                    ("verdict", "verdict", ""))
    print(f"\n== {split} ==")
    print(ien_common.table(rows, columns, first="model"))


def plot(path, splits: dict) -> Path:
    """Mean success AUC against pairs seen, one line per model, one panel per split (models with pairs only)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(splits), figsize=(5 * len(splits), 4), dpi=100, squeeze=False)
    for ax, (split, groups) in zip(axes[0], splits.items()):
        for model in dict.fromkeys(k[0] for k in groups if k[1] is not None):
            points = sorted((k[1], g) for k, g in groups.items() if k[0] == model and k[1] is not None)
            xs = [p for p, _ in points]
            ax.plot(xs, [g.mean for _, g in points], marker="o", label=model)
            ax.fill_between(xs, [g.low for _, g in points], [g.high for _, g in points], alpha=0.15)
        ax.set(title=split, xlabel="pairs seen", ylabel="success AUC (mean over seeds)", xscale="log")
        ax.grid(True, linestyle=":")
        ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("study", help="the study file (see above)")
    parser.add_argument("--results", default=str(ien_common.REPO / "results" / "dcf"),
                        help="tracking results cache and reports folder (default: results/dcf)")
    parser.add_argument("--plot", help="PNG of AUC against pairs seen (models with pairs)")
    parser.add_argument("--json", help="where to write all figures (default: <results>/reports/study-<time>.json)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    splits, references, runs = read_study(args.study)
    pending = [r for r in runs if not ready(r)]
    runs = [r for r in runs if ready(r)]
    for r in pending:
        print(f"pending (no weights yet): {r.label} ({r.weights})")
    if not runs:
        raise TrackingError(f"{args.study}: no run has weights yet")
    report = {"command": sys.argv, "pending": [r.label for r in pending], "splits": {}}
    curves = {}
    for split, settings in splits:
        name, sequences = bench_dcf.split_sequences(split)
        for r in runs:
            check_held_out(r, name, sequences)
        measured = {r.label: bench_dcf.measure(variant(r, settings), name, sequences, args.results, 1)
                    for r in runs}
        groups, comparisons = summarise(runs, measured, references)
        label = name + (f" ({', '.join(settings)})" if settings else "")
        print_summary(label, groups, comparisons)
        curves[label] = groups
        report["splits"][label] = {
            "runs": {r.label: measured[r.label]["figures"] for r in runs},
            "models": {model_name(k): {"values": g.values, "mean": g.mean, "range": g.spread,
                                       "per_sequence": g.per_sequence, **comparisons.get(k, {})}
                       for k, g in groups.items()}}
    if args.plot:
        print(f"\nplot: {plot(args.plot, curves)}")
    ien_common.write_report(report, args.json, args.results, "study")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
