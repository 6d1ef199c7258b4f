"""Training speed of a config on this machine, split so it is clear what limits it: data loading alone (the
config's own sources through a DataLoader), the training step alone (on batches already in memory), and the two
together as the trainer runs them. In pairs per second (original pairs; ``rotaug``/``ien`` add one transformed
copy of each).

With ``--baseline REF`` it instead compares the code of git revision ``REF`` with the working tree on the same
config, seed and pairs (:mod:`benchmarks.training_compare`): the two take turns in blocks of steps in one
invocation, each timed whole (compile and warm-up included), and their losses must agree (exit code 1 if not).

    OMP_NUM_THREADS=2 python benchmarks/bench_training.py [--config configs/siamfc_small.yaml] [--steps 20]
        [--set train.mode=plain ...] [--threads 2]
    python benchmarks/bench_training.py --config configs/siamfc_ien.yaml --baseline 66195da --steps 200
        [--threads 1 --copies 2] [--block 10]
"""
import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import _bootstrap  # noqa: F401,E402  (the repository root first on sys.path)

import torch  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402
from tqdm import tqdm  # noqa: E402

from core.cli import run_tool  # noqa: E402
from core.config import apply_overrides, load_yaml  # noqa: E402
from training import distributed  # noqa: E402
from training.config import parse_run_config  # noqa: E402
from training.sampling import EpochSampler  # noqa: E402
from training.trainer import Trainer  # noqa: E402


def _loader(pairs, run, workers):
    sampler = EpochSampler(pairs, 1, 0, run.train.seed)
    sampler.start(0)
    return DataLoader(pairs, batch_size=run.train.batch_size, sampler=sampler, num_workers=workers, drop_last=True)


def _rate(label, batches, batch_size, fn):
    """Pairs per second of ``fn`` over ``batches`` (the first one is a warm-up, not timed)."""
    it = iter(batches)
    fn(next(it))
    count, start = 0, time.perf_counter()
    for item in tqdm(it, desc=label, leave=False):
        fn(item)
        count += batch_size
    return count / (time.perf_counter() - start)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="configs/siamfc_small.yaml",
                        help="training config (default: configs/siamfc_small.yaml)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value, e.g. train.mode=plain (repeatable)")
    parser.add_argument("--steps", type=int, default=20, help="batches timed in each measurement (+1 warm-up)")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads (of each copy)")
    parser.add_argument("--baseline", metavar="REF",
                        help="compare the code of this git revision with the working tree (speed and losses)")
    parser.add_argument("--block", type=int, default=10,
                        help="with --baseline: steps each side runs before the other takes its turn")
    parser.add_argument("--copies", type=int, default=1,
                        help="with --baseline: runs of each side at the same time (2 with --threads 1: two "
                             "1-thread runs)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    run = parse_run_config(apply_overrides(load_yaml(args.config), args.overrides), args.config)
    if args.baseline:
        return compare_with_baseline(args, run)
    cfg, batch = run.train, run.train.batch_size
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(run, Path(tmp), distributed.setup("cpu"), resume=False)
    params = sum(p.numel() for p in trainer.model.parameters())
    print(f"{args.config}: {run.model.get('kind')} {run.model.get('backbone')} width {run.model.get('width', 1.0)} "
          f"({params / 1e6:.2f} M parameters), mode {cfg.mode}, batch {batch}, crops "
          f"{run.data.pairs.template_size}/{run.data.pairs.search_size}, {cfg.workers} DataLoader worker(s), "
          f"{args.threads} torch thread(s)")

    n = args.steps + 1
    pairs = trainer.pairs
    data_rate = _rate("data", itertools.islice(_loader(pairs, run, cfg.workers), n), batch, lambda b: None)
    print(f"data loading alone ({cfg.workers} worker(s)): {data_rate:.1f} pairs/s")
    cached = list(itertools.islice(_loader(pairs, run, 0), min(n, 4)))
    step_rate = _rate("step", itertools.islice(itertools.cycle(cached), n), batch,
                      trainer.train_step)
    print(f"training step alone (batches in memory): {step_rate:.1f} pairs/s")
    both_rate = _rate("train", itertools.islice(_loader(pairs, run, cfg.workers), n), batch,
                      trainer.train_step)
    print(f"training with loading ({cfg.workers} worker(s)): {both_rate:.1f} pairs/s")
    limit = "data loading" if data_rate < step_rate else "the training step (model compute)"
    print(f"limited by {limit}; one epoch of {run.data.pairs.pairs_per_epoch} pairs takes about "
          f"{run.data.pairs.pairs_per_epoch / both_rate / 60:.1f} min, the whole config ({cfg.epochs} epochs) "
          f"about {cfg.epochs * run.data.pairs.pairs_per_epoch / both_rate / 60:.1f} min")
    return 0


def compare_with_baseline(args, run) -> int:
    from benchmarks.training_compare import compare, loss_agreement

    load = os.getloadavg()
    print(f"{args.config}: mode {run.train.mode}, batch {run.train.batch_size}, {args.steps} steps per side in "
          f"blocks of {args.block}, {args.copies} run(s) per side at once, {args.threads} torch thread(s) each; "
          f"load average {load[0]:.2f}")
    old, new = compare(args.config, args.overrides, args.baseline, args.steps, args.block, args.threads,
                       args.copies)
    pairs = args.steps * run.train.batch_size
    for side in (old, new):
        print(f"{side.name}: {side.pairs_per_s(pairs):.2f} pairs/s ({side.pairs_per_cpu_s(pairs):.2f} pairs per "
              f"CPU second), {side.wall_s:.1f} s for {args.steps} steps")
    print(f"speed-up: {new.pairs_per_s(pairs) / old.pairs_per_s(pairs):.2f}x pairs/s, "
          f"{new.pairs_per_cpu_s(pairs) / old.pairs_per_cpu_s(pairs):.2f}x per CPU second; load average now "
          f"{os.getloadavg()[0]:.2f}")
    agree = loss_agreement(old.losses, new.losses)
    print(f"losses: first {agree['first_steps']} steps differ by at most {agree['max_step_diff']:.2e} "
          f"({'ok' if agree['steps_ok'] else 'FAIL'}, limit 1e-3); mean of steps {agree['window'][0]}-"
          f"{agree['window'][1]}: {agree['mean_old']:.4f} old, {agree['mean_new']:.4f} new, "
          f"{100 * agree['mean_rel_diff']:.2f}% apart ({'ok' if agree['mean_ok'] else 'FAIL'}, limit 2%)")
    return 0 if agree["steps_ok"] and agree["mean_ok"] else 1


if __name__ == "__main__":
    sys.exit(run_tool(main))
