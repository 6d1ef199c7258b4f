"""DCF tracker measurements (issue 12): tracker variants on named splits, seed summaries and the "ahead" rule.

    python benchmarks/bench_dcf.py --splits validation rot2 --variants LABEL=SPEC [LABEL=SPEC ...]
        [--sweep KEY V1 V2 ...] [--group NAME=LABEL,LABEL,...] [--workers 1] [--results results/dcf] [--json PATH]

Variants, ``LABEL=TRACKER[:WEIGHTS | :random:SEED][@KEY=VALUE,KEY=VALUE,...]``:

- ``TRACKER`` a registered name or a config ``.yaml``; ``WEIGHTS`` a ``.safetensors`` file;
- ``random:SEED`` the same network with random weights, ``torch.manual_seed(SEED)`` right before it is built (in
  every process that builds it): the reproducible untrained control, reported as "random weights". A tracker
  without trained weights must say ``:WEIGHTS`` or ``:random:SEED``;
- ``KEY=VALUE`` settings of the config's ``tracker:`` section (``rotation.enabled=true``), values read as YAML.

``--sweep KEY V1 V2 ...`` runs every variant once per value of that tracker setting (labels ``LABEL@KEY=V``).

Splits: ``tuning`` (UAV Animal3, BMX3, Gull2: excluded from training, for choosing tracker settings),
``tuning-uav2`` (those and the 8 UAV2 sequences: for SiamFC models only, the DCF configs train on UAV2),
``training-otb`` (11 OTB sequences every training config reads: accuracy on seen data, for learning curves),
``validation`` (issue 9's 11 sequences, ``ien_common.VALIDATION_SPLIT``), and the rotated ones
``<split>-rot<STEP>`` (frame i turned by i * STEP degrees, ``eval/rotated.py``), ``rot<STEP>`` standing for
``validation-rot<STEP>``.

Figures per variant and split: success AUC, precision@20 and FPS (the runner's per-frame times) from the evaluation
harness; on rotated splits also the polygon success AUC (the tracker's rotated boxes, or its upright boxes when it
estimates no rotation, against the rotated ground truth) and the mean absolute angle error in degrees against the
known turn (``eval.rotated.angle_errors``; 0-angle boxes for trackers without rotation), each a mean over sequences.
Per-sequence AUCs are printed too.

``--group NAME=LABEL,LABEL,...`` gathers the seeds of one model: mean, min, max and range over them, the
per-sequence means, and for each pair of models the verdict of issue 12's rule (``eval/seeds.py``: ahead when the
gap of the means exceeds the seed range and the leader wins at least 8 of 11 sequences).

Tracking results are cached under ``--results``, keyed by a hash of config, weights, settings and seed
(``ien_common.onepass_report``); all figures go to a JSON file under ``<results>/reports/``.
"""
import argparse
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import ien_common
import numpy as np

from core.cli import run_tool
from core.device import add_device_argument, choose_device
from core.errors import TrackingError
from tracker.backend_cli import add_backend_arguments, check_backend_arguments

#: splits besides validation, as (folder, benchmark, sequences or None for all) parts. ``tuning``: UAV sequences
#: the DCF configs exclude from training (configs/dcf_ien.yaml). ``tuning-uav2``: those and all of UAV2, 11
#: sequences for choosing SiamFC settings (issue 13): no SiamFC config reads UAV2, but the DCF configs train on it.
#: ``training-otb``: the 11 OTB sequences of up to 330 frames that every training config reads, for the gap
#: between training and validation accuracy in learning curves
NAMED_SPLITS = {
    "tuning": (("UAV", "folder", ("Animal3", "BMX3", "Gull2")),),
    "tuning-uav2": (("UAV", "folder", ("Animal3", "BMX3", "Gull2")), ("UAV2", "folder", None)),
    "training-otb": (("OTB", "folder", ("Deer", "Skiing", "Bird2", "DragonBaby", "Dog", "Biker", "MotorRolling",
                                        "Diving", "Toy", "Jumping", "Freeman1")),),
}
BASE_SPLITS = (*NAMED_SPLITS, "validation")
#: a comma that starts the next KEY=VALUE (so a value may hold commas, e.g. a YAML list)
SETTING_SEPARATOR = re.compile(r",(?=\s*[A-Za-z_][\w.]*\s*=)")
FIGURES = (("success_auc", "AUC", ".3f"), ("precision_20", "prec@20", ".3f"), ("fps", "FPS", ".1f"))
ROTATED_FIGURES = (("polygon_auc", "poly AUC", ".3f"), ("angle_error", "angle err", ".1f"))


@dataclass(frozen=True)
class Variant:
    label: str
    spec: object  # eval.runners.jobs.TrackerSpec

    @property
    def weights(self) -> str:
        """What the tracker runs with, for tables: trained weights, random weights (seed) or none (OpenCV)."""
        from tracker.registry import weights_kind

        if self.spec.seed is not None:
            return f"random s{self.spec.seed}"
        return weights_kind(self.spec.spec, self.spec.checkpoint)

    def describe(self) -> str:
        from tracker.registry import build_inputs

        weights = build_inputs(self.spec.spec, self.spec.checkpoint)[1]
        if self.spec.seed is not None:
            what = f"random weights (torch seed {self.spec.seed})"
        elif weights is not None:
            what = f"weights {weights}"
        else:
            what = "no learned weights"
        settings = f", settings {' '.join(self.spec.overrides)}" if self.spec.overrides else ""
        return f"{self.label}: {self.spec.spec}, {what}{settings} [results key {self.spec.fingerprint()}]"


def parse_variant(text: str, device: str = "cpu", backend: str = "torch", threads=None) -> Variant:
    """``LABEL=TRACKER[:WEIGHTS | :random:SEED][@KEY=VALUE,...]`` (module docstring) -> :class:`Variant`."""
    from eval.runners.jobs import TrackerSpec
    from tracker.registry import weights_kind

    form = "expected LABEL=TRACKER[:WEIGHTS | :random:SEED][@KEY=VALUE,...]"
    label, _, rest = text.partition("=")
    head, at, settings = rest.partition("@")
    tracker, _, weights = head.partition(":")
    if not (label and tracker) or (at and not settings.strip()):
        raise TrackingError(f"variant {text!r}: {form}")
    seed = None
    if weights == "random" or weights.startswith("random:"):
        try:
            seed = int(weights.partition(":")[2])
        except ValueError:
            raise TrackingError(f"variant {text!r}: random weights need a seed, e.g. {tracker}:random:0") from None
        weights = ""
    kind = weights_kind(tracker, weights or None)
    if seed is not None and kind != "random":
        raise TrackingError(f"variant {text!r}: random:SEED is for a config without weights; {tracker} "
                            f"{'has no network' if kind == 'none' else 'ships trained weights'}")
    if seed is None and kind == "random":
        raise TrackingError(f"variant {text!r}: {tracker} has no trained weights; give :WEIGHTS, or :random:SEED "
                            "for a random-weights control")
    overrides = tuple(f"tracker.{s.strip()}" for s in SETTING_SEPARATOR.split(settings)) if at else ()
    return Variant(label, TrackerSpec(tracker, weights or None, device, backend, threads, overrides=overrides,
                                      seed=seed))


def swept(variants, sweep) -> list:
    """Each variant once per value of ``sweep = [KEY, V1, V2, ...]`` (labelled ``LABEL@KEY=V``)."""
    if not sweep:
        return list(variants)
    if len(sweep) < 2:
        raise TrackingError("--sweep: expected KEY V1 [V2 ...]")
    key, values = sweep[0], sweep[1:]
    return [Variant(f"{v.label}@{key}={value}",
                    replace(v.spec, overrides=v.spec.overrides + (f"tracker.{key}={value}",)))
            for v in variants for value in values]


def parse_groups(items, labels) -> dict:
    """``NAME=LABEL,LABEL,...`` -> ``{NAME: [labels]}``; every label must be a variant's."""
    groups = {}
    for item in items or ():
        name, _, members = item.partition("=")
        members = [m for m in members.split(",") if m]
        if not name or not members:
            raise TrackingError(f"--group {item!r}: expected NAME=LABEL,LABEL,...")
        unknown = [m for m in members if m not in labels]
        if unknown:
            raise TrackingError(f"--group {item}: no variant labelled {', '.join(unknown)} "
                                f"(variants: {', '.join(labels)})")
        groups[name] = members
    return groups


def split_name(name: str) -> tuple:
    """``(canonical name, base split, step or None)``: ``rot2`` -> ``("validation-rot2", "validation", 2.0)``."""
    base, sep, step = ("validation", "-rot", name[3:]) if name.startswith("rot") else name.partition("-rot")
    if base not in BASE_SPLITS:
        raise TrackingError(f"split {name!r}: expected {', '.join(BASE_SPLITS)}, <split>-rot<STEP> or rot<STEP>")
    if not sep:
        return base, base, None
    try:
        value = float(step)
    except ValueError:
        raise TrackingError(f"split {name!r}: the rotation step must be a number of degrees per frame") from None
    return f"{base}-rot{value:g}", base, value


def split_sequences(name: str, data_root=ien_common.DATA) -> tuple:
    """``(canonical name, sequences)`` of a split."""
    from datasets.benchmarks import load_benchmark
    from eval.rotated import rotate_sequence

    canonical, base, step = split_name(name)
    if base in NAMED_SPLITS:
        sequences = [seq for folder, benchmark, names in NAMED_SPLITS[base]
                     for seq in load_benchmark(benchmark, Path(data_root) / folder, strict=True,
                                               sequences=list(names) if names else None)]
    else:
        sequences = ien_common.validation_sequences(data_root)
    if step is not None:
        sequences = [rotate_sequence(s, step) for s in sequences]
    return canonical, sequences


def tracker_polygons(out_dir, sequence) -> np.ndarray:
    """The tracker's ``(N, 8)`` rotated boxes from its results, or its upright boxes as polygons when it wrote
    none (a tracker without rotation estimate)."""
    from core.boxes import box_to_polygon
    from eval import results_io

    one_based = results_io.one_based_for("folder")
    path = results_io.polygons_path(out_dir, sequence.name)
    if path.is_file():
        return results_io.read_polygons(path, len(sequence), one_based)
    boxes = results_io.read_onepass(Path(out_dir) / f"{sequence.name}.txt", len(sequence), one_based)
    return box_to_polygon(boxes)


def measure(variant: Variant, split: str, sequences, results, workers: int) -> dict:
    """Run (or reuse) ``variant`` on a split and gather its figures, overall and per sequence."""
    from eval.onepass import polygon_success_auc
    from eval.rotated import RotatedSequence, angle_errors

    report, out_dir = ien_common.onepass_report(variant.label, variant.spec, sequences, split, results, workers)
    overall = report["overall"]
    figures = {key: overall[key] for key, _, _ in FIGURES}
    per_sequence = {name: {"success_auc": v["success_auc"], "precision_20": v["precision_20"]}
                    for name, v in report["per_sequence"].items()}
    if all(isinstance(s, RotatedSequence) for s in sequences):
        for seq in sequences:
            polygons = tracker_polygons(out_dir, seq)
            per_sequence[seq.name]["polygon_auc"] = polygon_success_auc([seq], {seq.name: polygons})
            per_sequence[seq.name]["angle_error"] = float(np.nanmean(angle_errors(seq, polygons)))
        for key, _, _ in ROTATED_FIGURES:
            figures[key] = float(np.mean([per_sequence[s.name][key] for s in sequences]))
    return {"figures": figures, "per_sequence": per_sequence, "results": str(out_dir)}


def group_figures(groups: dict, measured: dict, key: str) -> tuple:
    """Seed summaries of ``key`` per group and the verdict for every pair of groups."""
    from eval.seeds import compare, seed_group, verdict

    summaries = {name: seed_group((measured[label]["figures"][key],
                                   {s: v[key] for s, v in measured[label]["per_sequence"].items()})
                                  for label in labels)
                 for name, labels in groups.items()}
    names = list(summaries)
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            c = compare(summaries[a], summaries[b])
            pairs.append({"a": a, "b": b, "gap": c.gap, "spread": c.spread, "wins_a": c.wins,
                          "wins_b": compare(summaries[b], summaries[a]).wins, "sequences": c.sequences,
                          "needed": c.needed, "verdict": verdict(a, b, summaries[a], summaries[b])})
    return summaries, pairs


def print_split(split: str, sequences, variants, measured: dict, groups: dict) -> dict:
    """Print a split's tables; return its group summaries and verdicts for the JSON."""
    rotated = "polygon_auc" in next(iter(measured.values()))["figures"]
    columns = FIGURES + (ROTATED_FIGURES if rotated else ()) + (("weights", "weights", ""),)
    rows = {v.label: {**measured[v.label]["figures"], "weights": v.weights} for v in variants}
    print(f"\n== {split}: {len(sequences)} sequences, {sum(len(s) for s in sequences)} frames ==")
    print(ien_common.table(rows, columns))
    keys = ("success_auc",) + (("polygon_auc",) if rotated else ())
    out = {}
    for key in keys if groups else ():
        summaries, pairs = group_figures(groups, measured, key)
        print(f"\n{key} over seeds")
        print(ien_common.table({name: {"mean": g.mean, "min": g.low, "max": g.high, "range": g.spread,
                                       "seeds": len(g.values)} for name, g in summaries.items()},
                               (("mean", "mean", ".3f"), ("min", "min", ".3f"), ("max", "max", ".3f"),
                                ("range", "range", ".3f"), ("seeds", "seeds", "d")), first="model"))
        for p in pairs:
            print(f"  {p['a']} vs {p['b']}: gap {p['gap']:+.3f} (seed range {p['spread']:.3f}), sequences won "
                  f"{p['wins_a']}/{p['sequences']} vs {p['wins_b']}/{p['sequences']} (ahead needs "
                  f"{p['needed']}): {p['verdict']}")
        out[key] = {"groups": {name: {"mean": g.mean, "min": g.low, "max": g.high, "range": g.spread,
                                      "values": g.values, "per_sequence": g.per_sequence}
                               for name, g in summaries.items()},
                    "comparisons": pairs}
    print("\nper-sequence success AUC" + (" (groups: mean over seeds)" if groups else ""))
    per_seq = {v.label: {s.name: measured[v.label]["per_sequence"][s.name]["success_auc"] for s in sequences}
               for v in variants}
    if groups:
        per_seq.update({f"{name}(mean)": g["per_sequence"] for name, g in out["success_auc"]["groups"].items()})
    print(ien_common.table({s.name: {label: col[s.name] for label, col in per_seq.items()} for s in sequences},
                           tuple((label, label, ".3f") for label in per_seq), first="sequence"))
    return out


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", nargs="+", required=True, metavar="LABEL=SPEC",
                        help="LABEL=TRACKER[:WEIGHTS | :random:SEED][@KEY=VALUE,...] (see above)")
    parser.add_argument("--splits", nargs="+", default=["validation"], metavar="SPLIT",
                        help="tuning, tuning-uav2, training-otb, validation, <split>-rot<STEP>, rot<STEP> (default: validation)")
    parser.add_argument("--sweep", nargs="+", metavar="KEY V", help="run every variant at each value of a "
                        "tracker setting: KEY V1 V2 ... (e.g. interp_factor 0.005 0.01 0.02)")
    parser.add_argument("--group", action="append", default=[], metavar="NAME=LABEL,LABEL,...",
                        help="the seeds of one model, for mean, range and the ahead rule (repeatable)")
    parser.add_argument("--workers", type=int, default=1, help="sequences tracked in parallel (default: 1)")
    add_device_argument(parser)
    add_backend_arguments(parser)
    parser.add_argument("--results", default=str(ien_common.REPO / "results" / "dcf"),
                        help="results cache and reports folder (default: results/dcf)")
    parser.add_argument("--json", help="where to write all figures (default: <results>/reports/bench_dcf-<time>.json)")
    args = parser.parse_args(argv)
    check_backend_arguments(args)
    if args.workers < 1:
        raise TrackingError(f"--workers {args.workers}: expected 1 or more")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    device = str(choose_device(args.device))
    variants = swept([parse_variant(t, device, args.backend, args.threads) for t in args.variants], args.sweep)
    labels = [v.label for v in variants]
    if len(set(labels)) != len(labels):
        raise TrackingError(f"variant labels must differ: {' '.join(labels)}")
    groups = parse_groups(args.group, labels)
    splits = [split_sequences(name) for name in args.splits]
    for variant in variants:
        print(variant.describe())
        variant.spec.build()  # a bad setting fails here, before any tracking
    report = {"command": sys.argv, "variants": {v.label: {"tracker": v.spec.spec, "weights": v.spec.checkpoint,
                                                          "seed": v.spec.seed, "settings": list(v.spec.overrides),
                                                          "results_key": v.spec.fingerprint()} for v in variants},
              "splits": {}}
    for split, sequences in splits:
        measured = {v.label: measure(v, split, sequences, args.results, args.workers) for v in variants}
        summary = print_split(split, sequences, variants, measured, groups)
        report["splits"][split] = {"sequences": [s.name for s in sequences], "variants": measured,
                                   "seed_groups": summary}
    ien_common.write_report(report, args.json, args.results, "bench_dcf")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
