"""Every tool explains itself: each option has help text, --device has the same default everywhere, and
test_tracker's and eval_equivariance's --help say what the README promises they say."""
import argparse
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from core.device import choose_device
from core.errors import TrackingError
from datasets.benchmarks import BENCHMARK_NAMES
from tool_modules import TOOLS, load_tool
from tracker.registry import available

TOOL_NAMES = sorted(p.stem for p in TOOLS.glob("*.py") if not p.stem.startswith("_"))


class _Parsed(Exception):
    """Raised instead of parsing, carrying the parser the tool built."""


def tool_parser(name, monkeypatch) -> argparse.ArgumentParser:
    """The argument parser ``tools/<name>.py`` builds, captured when its ``main`` starts parsing."""
    def capture(parser, *args, **kwargs):
        raise _Parsed(parser)

    module = load_tool(name, monkeypatch)
    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", capture)
    with pytest.raises(_Parsed) as parsed:
        module.main([])
    return parsed.value.args[0]


def help_text(name) -> str:
    proc = subprocess.run([sys.executable, str(TOOLS / f"{name}.py"), "--help"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return " ".join(proc.stdout.split())


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_every_option_has_help(name, monkeypatch):
    parser = tool_parser(name, monkeypatch)
    options = [action for action in parser._actions if action.option_strings]
    assert len(options) > 1
    assert [a.option_strings for a in options if not (a.help or "").strip()] == []


def test_device_defaults_agree_across_tools(monkeypatch):
    defaults = {}
    for name in TOOL_NAMES:
        for action in tool_parser(name, monkeypatch)._actions:
            if "--device" in action.option_strings:
                defaults[name] = (action.default, action.help)
    assert {"demo", "eval_equivariance", "test_tracker", "train_tracker"} <= set(defaults)
    assert len(set(defaults.values())) == 1 and next(iter(defaults.values()))[0] == "auto"


def test_device_values():
    assert choose_device("auto") == torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    assert choose_device("cpu") == torch.device("cpu")
    with pytest.raises(TrackingError, match="--device 'gpu': expected auto, cpu, cuda or cuda:N"):
        choose_device("gpu")
    if torch.cuda.is_available():
        assert choose_device("cuda", local_rank=0) == torch.device("cuda:0")
    else:
        with pytest.raises(TrackingError, match="--device cuda: no CUDA GPU on this machine"):
            choose_device("cuda")


def test_test_tracker_help_covers_protocols_layout_sharding_exit_codes_and_names():
    text = help_text("test_tracker")
    for promise in ("Protocols: one-pass", "VOT supervised", "<results>/<dataset>[-rot<step>]/<tracker>/",
                    "report.json", "RANK and WORLD_SIZE", "Exit codes: 0", "1 some sequences failed", "2 bad input",
                    "--random-weights", "-random"):
        assert promise in text, promise
    trackers = text[text.index("trackers: "):text.index("datasets: ")]
    for name in available():
        assert f"{name} (" in trackers
    assert "siamfc_ien (trained)" in trackers and "siamrpnpp (untrained)" in trackers and "csrt (OpenCV)" in trackers
    datasets = text[text.index("datasets: "):].split(": ", 1)[1]
    assert datasets.split(", ") == list(BENCHMARK_NAMES)


def test_eval_equivariance_help_says_what_reference_builds_for_each_group():
    text = help_text("eval_equivariance")
    block = text[text.index("--reference builds"):]
    for group, built in (("C4, D4", "order-4 group convolutions with 3x3 filters"),
                         ("C8, D8", "order-8 group convolutions with 5x5 disk filters"),
                         ("scale", "a pointwise network (1x1 filters)")):
        assert f"{group} {built}" in block
