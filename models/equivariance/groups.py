"""Channel groups of an IEN layer: how a layer's channels are arranged into orientation groups.

Layout (the contract every module relies on): channels come block by block; a block of group order ``n`` and
multiplicity ``m`` holds ``m * n`` channels, ``m`` fields of ``n`` consecutive channels each, the channel at
``field * n + o`` being orientation ``o``. A homogeneous layer has one block. Heterogeneous layers (IEN's way to
keep accuracy with fewer channels) split channels by a ratio into blocks of different orders, e.g. ratio 8:2:1
with orders 8, 4, 2.

Orientation pooling ``P`` (the paper's form) takes the max over each field's ``n`` channels. Under the regular
representation a rotation by ``r`` steps of a block's group shifts each field's channels cyclically by ``r``.
"""
from dataclasses import dataclass

import torch

from core.errors import TrackingError


@dataclass(frozen=True)
class ChannelGroups:
    """Blocks of ``(multiplicity, order)``; ``channels`` = sum of ``multiplicity * order``."""

    blocks: tuple

    @property
    def channels(self) -> int:
        return sum(m * n for m, n in self.blocks)

    @property
    def pooled_channels(self) -> int:
        return sum(m for m, _ in self.blocks)

    @property
    def orders(self) -> tuple:
        return tuple(n for _, n in self.blocks)

    @classmethod
    def homogeneous(cls, channels: int, order: int, layer: str = "layer") -> "ChannelGroups":
        return cls.from_ratio(channels, ratios=(1,), orders=(order,), layer=layer)

    @classmethod
    def from_ratio(cls, channels: int, ratios, orders, layer: str = "layer") -> "ChannelGroups":
        """Split ``channels`` into blocks whose channel counts follow ``ratios`` with the given group ``orders``.

        Each block's channel count must be a whole multiple of its order; otherwise a :class:`TrackingError`
        names the layer and the numbers that do not divide.
        """
        ratios, orders = tuple(ratios), tuple(orders)
        if len(ratios) != len(orders) or not ratios:
            raise TrackingError(f"{layer}: ratios {ratios} and orders {orders} must be non-empty and the same length")
        if any(int(o) < 1 for o in orders) or any(r <= 0 for r in ratios):
            raise TrackingError(f"{layer}: group orders must be >= 1 and ratios > 0, got {orders} and {ratios}")
        total = sum(ratios)
        if channels % total:
            raise TrackingError(
                f"{layer}: {channels} channels cannot be split in ratio {':'.join(map(str, ratios))}")
        blocks = []
        for ratio, order in zip(ratios, orders):
            block_channels = channels * ratio // total
            if block_channels % order:
                raise TrackingError(
                    f"{layer}: a block of {block_channels} channels is not divisible by its group order {order} "
                    f"(layer has {channels} channels, ratio {':'.join(map(str, ratios))}, orders {orders})")
            blocks.append((block_channels // order, int(order)))
        return cls(tuple(blocks))

    def split(self, x: torch.Tensor) -> list:
        """Per-block views ``(B, m, n, H, W)`` of a feature map ``(B, C, H, W)``."""
        if x.shape[1] != self.channels:
            raise ValueError(f"feature map has {x.shape[1]} channels, groups expect {self.channels}")
        out, start = [], 0
        for m, n in self.blocks:
            out.append(x[:, start:start + m * n].reshape(x.shape[0], m, n, *x.shape[2:]))
            start += m * n
        return out

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        """Orientation pooling ``P``: max over the ``n`` orientations of every field -> ``(B, sum m, H, W)``."""
        return _join([b.amax(dim=2) for b in self.split(x)])

    def shift(self, x: torch.Tensor, steps_per_block) -> torch.Tensor:
        """Regular-representation channel action: roll each block's orientations by its own number of steps."""
        parts = [torch.roll(b, shifts=int(s), dims=2).flatten(1, 2)
                 for b, s in zip(self.split(x), steps_per_block)]
        return _join(parts)


def _join(parts: list) -> torch.Tensor:
    """Blocks back into one map along the channels (no copy for a single block)."""
    return parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
