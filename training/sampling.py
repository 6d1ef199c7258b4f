"""Which pairs each process sees, in which order, and the per-sample seeds of the trainer's own random choices.

Why: a run stopped and resumed, or split over several processes, must see the same pairs in the same global
batches as one uninterrupted single-process run. The order of an epoch is a permutation fixed by
``(seed, epoch)`` (``DistributedSampler``), process ``r`` of ``W`` takes every ``W``-th index from ``r``, so
global batch ``b`` is always the permutation's slice ``[b*B, (b+1)*B)``; a resumed epoch skips the batches done.
Every sample's own randomness (the pairs dataset's augmentation, the group element of its transformed copy, the
anchors drawn for it) is seeded from ``(seed, epoch, index)`` and never from a process-wide generator.
"""
import numpy as np
import torch
from torch.utils.data import Dataset, DistributedSampler


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """A 31-bit seed for the trainer's per-sample choices (a stream apart from the pairs dataset's)."""
    return int(np.random.SeedSequence([seed, epoch, index, 0x7261696E]).generate_state(1)[0] >> 1)


class SeededPairs(Dataset):
    """A pairs dataset whose items also carry ``index`` and ``seed`` for the trainer's per-sample choices."""

    def __init__(self, pairs, seed: int):
        self.pairs, self.seed, self.epoch = pairs, int(seed), 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)
        self.pairs.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index):
        item = dict(self.pairs[index])
        item["index"] = index
        item["seed"] = sample_seed(self.seed, self.epoch, index)
        return item


class EpochSampler(DistributedSampler):
    """``DistributedSampler`` (shuffled by ``(seed, epoch)``, last partial batch dropped) that can start an epoch
    after ``skip`` of this process's samples."""

    def __init__(self, dataset, world_size: int, rank: int, seed: int):
        super().__init__(dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=seed, drop_last=True)
        self.skip = 0

    def start(self, epoch: int, skip: int = 0) -> None:
        self.set_epoch(epoch)
        self.skip = int(skip)

    def __iter__(self):
        return iter(list(super().__iter__())[self.skip:])

    def __len__(self) -> int:
        return max(0, super().__len__() - self.skip)


def to_device_batch(batch: dict, device) -> dict:
    """Crops as float tensors ``(B, 3, S, S)`` (through the one image conversion), the rest as tensors."""
    from models.preprocess import images_to_tensor

    return {
        "z": images_to_tensor(batch["z"].numpy(), device),
        "x": images_to_tensor(batch["x"].numpy(), device),
        "box": batch["box"].to(device=device, dtype=torch.float32),
        "positive": batch["positive"].to(device=device, dtype=torch.bool),
        "seed": batch["seed"].to(torch.int64),
    }
