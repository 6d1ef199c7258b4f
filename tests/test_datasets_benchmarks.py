"""load_benchmark: every contract name, case-insensitive names, partial roots and strict mode on real data."""
import pytest

from core.errors import TrackingError
from datasets.benchmarks import BENCHMARK_NAMES, load_benchmark
from datasets.coverage import MissingSequencesWarning


def test_contract_names():
    expected = {"OTB2013", "OTB2015", "OTB100", "TB50", "GOT10k-train", "GOT10k-val", "GOT10k-test", "LaSOT",
                "UAV123", "UAV20L", "folder"} | {f"VOT{y}" for y in range(2013, 2020)}
    assert set(BENCHMARK_NAMES) == expected


@pytest.mark.parametrize("name, root, count", [("vot2016", "VOT", 2), ("VOT2019", "VOT", 2),
                                               ("folder", "UAV", 9), ("FOLDER", "OTB", 21)])
def test_real_roots_without_warning(shared_data, recwarn, name, root, count):
    assert len(load_benchmark(name, shared_data / root)) == count
    assert not [w for w in recwarn if issubclass(w.category, MissingSequencesWarning)]


@pytest.mark.parametrize("name, root, count, missing", [("OTB100", "OTB", 21, 79), ("otb2013", "OTB", 10, 41),
                                                        ("TB50", "OTB", 10, 40), ("LaSOT", "LaSOT", 1, 279)])
def test_partial_real_roots_warn_or_fail_when_strict(shared_data, name, root, count, missing):
    with pytest.warns(MissingSequencesWarning, match=rf"{missing} of {count + missing} "):
        assert len(load_benchmark(name, shared_data / root)) == count
    with pytest.raises(TrackingError, match=rf"{missing} of {count + missing} .*strict"):
        load_benchmark(name, shared_data / root, strict=True)


def test_requested_sequences_load_without_warning(shared_data, recwarn):
    seqs = load_benchmark("OTB2015", shared_data / "OTB", sequences=["crossing", "Football1"])
    assert [(s.name, len(s)) for s in seqs] == [("Crossing", 120), ("Football1", 74)]
    assert not recwarn.list
