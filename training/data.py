"""From the ``data:`` section to a pairs dataset: check every path, load each source, mix them with weights.

Why check first: a missing dataset folder should stop the run before any model is built, with a message naming
the folder and the source it belongs to. Sequences listed in ``exclude`` (a validation split) are left out
before loading whenever the layout lets us list sequence folders, so their files are never read at all.
"""
from pathlib import Path

from core.errors import TrackingError

DEFAULT_BENCHMARK = {"got10k": "GOT10k-train", "lasot": "LaSOT", "vot": "VOT2018", "otb": "OTB2015",
                     "folder": "folder"}
SEQUENCE_KINDS = tuple(DEFAULT_BENCHMARK)


def check_sources(data) -> None:
    """Every source path exists; otherwise a :class:`TrackingError` naming the path and the source."""
    for i, source in enumerate(data.sources):
        if source.kind == "synthetic":
            continue
        path = data.resolve(source)
        if not path.exists():
            raise TrackingError(f"data.sources[{i}] ({source.kind}): dataset path {path} does not exist "
                                f"(path {source.path!r} under data.root {data.root!r})")


def build_pairs(data, seed: int):
    """The :class:`datasets.pairs.PairDataset` of all sources (item randomness from ``(seed, epoch, index)``)."""
    from datasets.pairs import PairDataset

    check_sources(data)
    sources = [build_source(data, i, source) for i, source in enumerate(data.sources)]
    return PairDataset(sources, data.pairs, seed=seed)


def build_source(data, i: int, source):
    from datasets.pairs import SequenceSource, StillImageSource, SyntheticSource

    if source.kind == "synthetic":
        return SyntheticSource(n_sequences=source.count, weight=source.weight, seed=source.seed,
                               config=source.synthetic, frame_range=source.frame_range)
    path = data.resolve(source)
    if source.kind == "still":
        return StillImageSource([path], weight=source.weight, config=source.still)
    sequences = load_sequences(path, source, f"data.sources[{i}]")
    if not sequences:
        raise TrackingError(f"data.sources[{i}] ({source.kind}): no sequences left under {path} "
                            f"after sequences/exclude")
    return SequenceSource(sequences, weight=source.weight, frame_range=source.frame_range)


def load_sequences(path: Path, source, where: str) -> list:
    """Annotated sequences of one source, restricted to ``sequences`` and without ``exclude``. Every excluded
    name must be a sequence of the source: a misspelt name would otherwise leave a held-out sequence (the
    validation or tuning split) in the training data without a word."""
    from datasets.benchmarks import load_benchmark

    benchmark = source.benchmark or DEFAULT_BENCHMARK[source.kind]
    excluded = {name.lower(): name for name in source.exclude}
    names = list(source.sequences) or (listed_sequences(path, benchmark) if excluded else None)
    if names is None:  # a layout that is listed by loading it: load all, then leave the excluded out
        sequences = load_benchmark(benchmark, path)
        check_excluded(excluded, [seq.name for seq in sequences], path, where)
        return [seq for seq in sequences if seq.name.lower() not in excluded]
    check_excluded(excluded, names, path, where)
    wanted = [name for name in names if name.lower() not in excluded]
    return load_benchmark(benchmark, path, sequences=wanted) if wanted else []


def listed_sequences(path: Path, benchmark: str):
    """The sequence folders of an OTB-style layout (one folder per sequence, frames in ``img/``), listed without
    reading a file, so excluded sequences are never read at all; None for layouts listed only by loading them."""
    if benchmark not in ("folder", "OTB2015", "OTB2013", "OTB100", "TB50"):
        return None
    return sorted(p.name for p in path.iterdir() if (p / "img").is_dir())


def check_excluded(excluded: dict, available, path: Path, where: str) -> None:
    """``excluded`` (lower-case name -> name as written) must name sequences among ``available``."""
    present = {a.lower() for a in available}
    unknown = sorted(name for key, name in excluded.items() if key not in present)
    if unknown:
        raise TrackingError(f"{where}.exclude: no sequence {', '.join(unknown)} under {path} (a misspelt name "
                            f"would leave a held-out sequence in training)")


def sequence_folder(seq) -> Path:
    """The folder of one annotated sequence: its frames' folder, or the folder above an ``img`` / ``color``
    frames folder (the OTB, LaSOT and VOT layouts)."""
    folder = Path(seq.frames[0]).resolve().parent
    return folder.parent if folder.name in ("img", "color") else folder


def trained_sequence_folders(data) -> tuple:
    """``(folders, unread)``: the resolved folders of the annotated sequences a training config's sources read
    (folder and LaSOT kinds; synthetic and still-image sources hold no tracking sequences), and the sources whose
    data is not on this machine, so they could not be listed. Used to refuse scoring a model on sequences it was
    trained on (benchmarks/bench_study.py)."""
    folders, unread = set(), []
    for i, source in enumerate(data.sources):
        if source.kind not in ("folder", "lasot"):
            continue
        path = data.resolve(source)
        if not path.exists():
            unread.append(f"data.sources[{i}] ({path})")
            continue
        folders |= {sequence_folder(seq) for seq in load_sequences(path, source, f"data.sources[{i}]")}
    return folders, unread
