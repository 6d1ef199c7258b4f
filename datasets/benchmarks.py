"""One entry point for every benchmark: ``load_benchmark(name, root)`` -> list of Sequences.

The command lines and the evaluation harness call this, so they need no knowledge of layouts. Names are
matched case-insensitively (``otb100``, ``GOT10k-val``, ``lasot``). A root holding only some of a benchmark's
sequences loads those and warns (:class:`datasets.coverage.MissingSequencesWarning`) naming the missing
ones; ``strict=True`` makes that a :class:`~core.errors.TrackingError`. ``sequences`` restricts loading to
the given names (aliases such as ``jogging_1`` work for OTB), each of which must be present.
"""
import functools

from core.errors import TrackingError
from datasets.folder import load_folder
from datasets.got10k import load_got10k
from datasets.lasot import load_lasot
from datasets.otb import load_otb
from datasets.uav import load_uav
from datasets.vot import load_vot

_LOADERS = {
    "OTB2013": functools.partial(load_otb, version="OTB2013"),
    "OTB2015": functools.partial(load_otb, version="OTB2015"),
    "OTB100": functools.partial(load_otb, version="OTB2015"),
    "TB50": functools.partial(load_otb, version="TB50"),
    **{f"VOT{year}": functools.partial(load_vot, version=f"VOT{year}") for year in range(2013, 2020)},
    "GOT10k-train": functools.partial(load_got10k, split="train"),
    "GOT10k-val": functools.partial(load_got10k, split="val"),
    "GOT10k-test": functools.partial(load_got10k, split="test"),
    "LaSOT": functools.partial(load_lasot, split="test"),
    "UAV123": functools.partial(load_uav, version="UAV123"),
    "UAV20L": functools.partial(load_uav, version="UAV20L"),
    "folder": load_folder,
}

BENCHMARK_NAMES = tuple(_LOADERS)
"""Every name ``load_benchmark`` accepts (``OTB100`` is an alias of ``OTB2015``)."""


def canonical_name(name) -> str:
    """The spelling in :data:`BENCHMARK_NAMES` of ``name`` (case-insensitive); unknown is an error."""
    by_key = {n.lower(): n for n in BENCHMARK_NAMES}
    if str(name).lower() not in by_key:
        raise TrackingError(f"unknown benchmark {name!r}; expected one of {', '.join(BENCHMARK_NAMES)}")
    return by_key[str(name).lower()]


def load_benchmark(name, root, strict=False, sequences=None) -> list:
    """The sequences of benchmark ``name`` under ``root`` (see the module docstring for partial roots)."""
    return _LOADERS[canonical_name(name)](root, strict=strict, sequences=sequences)
