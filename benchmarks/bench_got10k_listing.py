"""How long listing a GOT-10k-sized train split takes, lazily, against loading every sequence's annotations.

Builds a synthetic GOT-10k train tree in a temporary folder (``--sequences`` folders, each with ``--frames``
empty image files, ``groundtruth.txt``, the three label files and ``meta_info.ini``), then times
``load_benchmark("GOT10k-train", root)`` (the lazy listing) and, separately, forcing every sequence to load.
The tree is deleted afterwards. Times are with a warm file cache (the tree was just written); on a cold disk
the gap is larger, since the listing reads one file and one directory while loading reads five files and one
directory per sequence.

    python benchmarks/bench_got10k_listing.py [--sequences 10000] [--frames 5]
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's `datasets`, not PyPI's

from tqdm import tqdm  # noqa: E402

from core.cli import run_tool  # noqa: E402
from datasets.benchmarks import load_benchmark  # noqa: E402

META = "[METAINFO]\nobject_class: zebra\nmotion_class: walking\nresolution: (1280, 720)\n"


def build_train_split(root, sequences, frames):
    """A GOT-10k train split of ``sequences`` folders under ``root/train``."""
    split = Path(root) / "train"
    names = [f"GOT-10k_Train_{i:06d}" for i in range(1, sequences + 1)]
    rows = "".join(f"{10 + f},{20 + f},30,40\n" for f in range(frames))
    zeros = "0\n" * frames
    for name in tqdm(names, desc="building tree", unit="seq"):
        folder = split / name
        folder.mkdir(parents=True)
        for f in range(1, frames + 1):
            (folder / f"{f:08d}.jpg").touch()
        (folder / "groundtruth.txt").write_text(rows)
        for label in ("absence.label", "cover.label", "cut_by_image.label"):
            (folder / label).write_text(zeros)
        (folder / "meta_info.ini").write_text(META)
    (split / "list.txt").write_text("\n".join(names) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=10000, help="sequences in the train split (default: 10000)")
    parser.add_argument("--frames", type=int, default=5, help="frames per sequence (default: 5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="got10k_listing_") as root:
        build_train_split(root, args.sequences, args.frames)
        start = time.perf_counter()
        sequences = load_benchmark("GOT10k-train", root)
        listing = time.perf_counter() - start
        start = time.perf_counter()
        for seq in tqdm(sequences, desc="loading all", unit="seq"):
            seq.load()
        loading = time.perf_counter() - start
    print(f"GOT10k-train, {len(sequences)} sequences x {args.frames} frames (warm cache):")
    print(f"  lazy listing:           {listing * 1000:9.1f} ms")
    print(f"  loading all annotations: {loading * 1000:9.1f} ms  ({loading / listing:.0f}x the listing)")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
