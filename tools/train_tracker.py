"""Train a Siamese tracker from a config file.

    python tools/train_tracker.py --config configs/siamfc_small.yaml [--set train.lr=0.005 ...] [--output DIR]
        [--resume] [--device auto|cpu|cuda|cuda:N]
    torchrun --nproc_per_node 2 tools/train_tracker.py --config ...     # data-parallel, same arguments

The output folder (default ``runs/<config name>``) receives ``config.yaml`` (the config after overrides),
``checkpoint.pt`` (resumable, weights-only loadable), ``model.safetensors`` (the weights for the trackers),
``log.csv`` and ``tensorboard/``.
"""
import argparse
import os
import sys
from pathlib import Path

import _bootstrap  # noqa: F401

from core.cli import run_tool
from core.config import apply_overrides, load_yaml
from core.device import add_device_argument
from training.config import parse_run_config


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="training config (YAML with model, tracker, train, data)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value, e.g. train.lr=0.005 (repeatable)")
    parser.add_argument("--output", help="run folder (default: runs/<config name>)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --output from its checkpoint")
    add_device_argument(parser)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    data = apply_overrides(load_yaml(args.config), args.overrides)
    run = parse_run_config(data, where=str(args.config))
    from training.data import check_sources
    from training.trainer import train

    check_sources(run.data)
    output = Path(args.output) if args.output else Path("runs") / Path(args.config).stem
    result = train(run, output, resume=args.resume, device=args.device)
    if int(os.environ.get("RANK", "0")) == 0:
        where = f" on {result.processes} processes with identical weights" if result.processes > 1 else ""
        print(f"trained to step {result.step} ({result.pairs_seen} pairs, {result.wall_s:.1f} s){where}; "
              f"weights: {result.weights}; checkpoint: {result.checkpoint}")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
