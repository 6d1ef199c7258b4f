"""Channel counts of tapped layers under an IEN group structure.

Why a module of its own: every backbone has to turn "base width x multiplier" or an explicit channel list into
counts that split cleanly into the configured orientation groups, and to say which layer is wrong when an
explicit count does not.
"""
import math
from dataclasses import dataclass, field

from core.errors import TrackingError
from models.equivariance.groups import ChannelGroups


@dataclass
class GroupsConfig:
    """IEN channel groups of every tapped layer: ``orders`` of the blocks and the ``ratios`` of their channel
    counts, e.g. orders [8, 4, 2] with ratios [8, 2, 1] (heterogeneous) or orders [4] with ratios [1]."""

    orders: list[int] = field(default_factory=lambda: [4])
    ratios: list[int] = field(default_factory=lambda: [1])


def channel_quantum(groups: GroupsConfig | None) -> int:
    """The smallest channel count that splits into ``groups``: ``sum(ratios) * lcm(order_i / gcd(ratio_i,
    order_i))``; every valid count is a multiple of it (1 without groups)."""
    if groups is None:
        return 1
    per_unit = 1
    for ratio, order in zip(groups.ratios, groups.orders):
        per_unit = math.lcm(per_unit, order // math.gcd(ratio, order))
    return sum(groups.ratios) * per_unit


def scaled_channels(base: int, width: float, quantum: int) -> int:
    """``base * width`` rounded to the nearest positive multiple of ``quantum`` (so a width multiplier never
    produces a count the groups cannot split)."""
    return max(quantum, int(round(base * width / quantum)) * quantum)


def make_groups(channels: int, groups: GroupsConfig | None, layer: str) -> ChannelGroups | None:
    """The :class:`ChannelGroups` of a tapped layer, or None for a plain model; a count that does not split is a
    :class:`TrackingError` naming ``layer``."""
    if groups is None:
        return None
    return ChannelGroups.from_ratio(channels, ratios=groups.ratios, orders=groups.orders, layer=layer)


def stage_channels(base, width: float, explicit, groups: GroupsConfig | None, names, where: str,
                   multiple_of: int = 1) -> list:
    """Output channels of each stage: ``explicit`` (validated by the caller via :func:`make_groups`) or the
    ``base`` counts scaled by ``width`` and rounded to a multiple of the group quantum and of ``multiple_of``
    (a ResNet stage's count must also divide by its block expansion)."""
    if explicit is not None:
        if len(explicit) != len(base):
            raise TrackingError(f"{where}.channels: expected {len(base)} counts (for {', '.join(names)}), "
                                f"got {len(explicit)}")
        if any(int(c) < 1 for c in explicit):
            raise TrackingError(f"{where}.channels: counts must be positive, got {list(explicit)}")
        bad = [f"{n}={c}" for n, c in zip(names, explicit) if int(c) % multiple_of]
        if bad:
            raise TrackingError(f"{where}.channels: {', '.join(bad)} not a multiple of {multiple_of}")
        return [int(c) for c in explicit]
    if width <= 0:
        raise TrackingError(f"{where}.width: must be > 0, got {width}")
    quantum = math.lcm(channel_quantum(groups), multiple_of)
    return [scaled_channels(b, width, quantum) for b in base]


def stage_groups(stage_channels: dict, groups: GroupsConfig | None, taps, where: str) -> dict:
    """``{stage name: ChannelGroups}`` for the tapped stages (all stages when ``taps`` is None); an unknown stage
    name or a count that does not split is a :class:`TrackingError`."""
    if groups is None:
        return {}
    taps = tuple(stage_channels) if taps is None else tuple(taps)
    unknown = [t for t in taps if t not in stage_channels]
    if unknown:
        raise TrackingError(f"{where}.taps: unknown stage(s) {', '.join(unknown)}; "
                            f"valid: {', '.join(stage_channels)}")
    return {name: make_groups(stage_channels[name], groups, f"{where}: backbone.{name}") for name in taps}
