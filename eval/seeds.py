"""Comparing models trained with several seeds: the spread over seeds, and when one model is *ahead* of another.

Why a rule: on a split of about ten sequences, retraining the same recipe with another seed moves the success AUC
by a few points, so a gap between two models is only a finding when it is larger than that spread and is not
carried by a few sequences. Issue 12's rule: model A is ahead of model B when the gap of the seed means is larger
than the max-min range over seeds (the larger of the two models' ranges) and A's per-sequence score (mean over its
seeds) beats B's on at least 8 of the 11 validation sequences; on a split of ``n`` sequences the same fraction,
``ceil(8 n / 11)``.
"""
import math
from dataclasses import dataclass

import numpy as np

from core.errors import TrackingError

#: the share of sequences a model must win to be ahead (8 of the 11 validation sequences)
WIN_FRACTION = (8, 11)


@dataclass
class SeedGroup:
    """One model's figure over its seeds: ``values`` per seed (overall), ``per_sequence`` sequence -> mean over
    seeds."""

    values: list
    per_sequence: dict

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def low(self) -> float:
        return float(np.min(self.values))

    @property
    def high(self) -> float:
        return float(np.max(self.values))

    @property
    def spread(self) -> float:
        return self.high - self.low


@dataclass
class Comparison:
    """Model A against model B: gap of the means, the seed spread it must exceed, sequences A wins."""

    gap: float
    spread: float
    wins: int
    sequences: int
    needed: int

    @property
    def ahead(self) -> bool:
        return self.gap > self.spread and self.wins >= self.needed


def seed_group(runs) -> SeedGroup:
    """Summarise ``runs``, one per seed, each ``(overall, {sequence: value})``; all must cover the same
    sequences."""
    runs = list(runs)
    if not runs:
        raise TrackingError("a seed group needs at least one run")
    names = list(runs[0][1])
    if any(sorted(per) != sorted(names) for _, per in runs):
        raise TrackingError("the runs of a seed group must cover the same sequences")
    return SeedGroup(values=[float(overall) for overall, _ in runs],
                     per_sequence={n: float(np.mean([per[n] for _, per in runs])) for n in names})


def needed_wins(sequences: int) -> int:
    """Sequences a model must win to be ahead on a split of ``sequences`` (8 of 11)."""
    won, out_of = WIN_FRACTION
    return math.ceil(won * sequences / out_of - 1e-9)


def compare(a: SeedGroup, b: SeedGroup) -> Comparison:
    """A against B under the rule of the module docstring (higher is better)."""
    if sorted(a.per_sequence) != sorted(b.per_sequence):
        raise TrackingError("models compared on different sequences")
    wins = sum(a.per_sequence[n] > b.per_sequence[n] for n in a.per_sequence)
    return Comparison(gap=a.mean - b.mean, spread=max(a.spread, b.spread), wins=int(wins),
                      sequences=len(a.per_sequence), needed=needed_wins(len(a.per_sequence)))


def verdict(name_a: str, name_b: str, a: SeedGroup, b: SeedGroup) -> str:
    """``"A ahead"``, ``"B ahead"`` or ``"not separated"``."""
    if compare(a, b).ahead:
        return f"{name_a} ahead"
    if compare(b, a).ahead:
        return f"{name_b} ahead"
    return "not separated"
