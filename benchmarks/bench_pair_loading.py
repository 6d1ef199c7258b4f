"""Training-pair loading speed on its own (no model): pairs per second of ``PairDataset`` over synthetic
sequences, in one process and through a DataLoader with worker processes, so it is clear whether data loading
or the model limits training.

    python benchmarks/bench_pair_loading.py [--pairs 400] [--workers 2] [--batch-size 16]
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import _bootstrap  # noqa: F401,E402  (the repository root first on sys.path)

import torch  # noqa: E402
from tqdm import tqdm  # noqa: E402

from core.cli import run_tool  # noqa: E402
from datasets.pairs import PairConfig, PairDataset, SyntheticSource  # noqa: E402
from datasets.synthetic import synthetic_benchmark  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=400, help="pairs to load in each measurement")
    parser.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    parser.add_argument("--batch-size", type=int, default=16, help="DataLoader batch size (default: 16)")
    args = parser.parse_args(argv)

    cfg = PairConfig(pairs_per_epoch=args.pairs)
    dataset = PairDataset([SyntheticSource(n_sequences=1000, seed=0)], cfg, seed=0)
    print(f"pairs: template {cfg.template_size}, search {cfg.search_size}, default augmentation, "
          f"synthetic 320x240 sequences; torch threads {torch.get_num_threads()}")

    seq = synthetic_benchmark(n_sequences=1, n_frames=100)[0]
    seq.image(0)  # textures are made once per sequence
    start = time.perf_counter()
    for i in range(len(seq)):
        seq.image(i)
    print(f"synthetic rendering: {1000 * (time.perf_counter() - start) / len(seq):.2f} ms per 320x240 frame")

    start = time.perf_counter()
    for i in tqdm(range(len(dataset)), desc="1 process", leave=False):
        dataset[i]
    single = len(dataset) / (time.perf_counter() - start)
    print(f"1 process: {single:.1f} pairs/s")

    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, num_workers=args.workers)
    start = time.perf_counter()
    first = None
    for batch in tqdm(loader, desc=f"{args.workers} workers", leave=False):
        if first is None:
            first, first_size = time.perf_counter(), len(batch["z"])
    end = time.perf_counter()
    print(f"DataLoader, {args.workers} workers, batch {args.batch_size}: {len(dataset) / (end - start):.1f} pairs/s "
          f"overall (worker start-up included), {(len(dataset) - first_size) / (end - first):.1f} pairs/s after the "
          "first batch")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
