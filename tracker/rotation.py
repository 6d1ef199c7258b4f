"""In-plane rotation of cached template features for IEN trackers (regular representation).

An IEN layer satisfies ``f(T_g x) ~ T_g f(x)``, where ``T_g`` on features rolls each field's orientation channels
(:meth:`ChannelGroups.shift`) and turns the map spatially. So the features of the template turned by ``k`` steps
of ``360/N`` degrees can be computed from the cached template features alone, and correlating the search
features with each of them tells which orientation fits best, without re-encoding any image.

The actions are the IEN machinery's own (:func:`models.equivariance.actions.make_group`, group ``C_N``): step
``k`` turns counter-clockwise on screen, the sense of ``torch.rot90(x, k, dims=(-2, -1))`` (other angles resample
bilinearly), and rolls an order-``n`` block by ``k * n / N`` channels. A block whose order is not a multiple of
``N`` is not equivariant to every step, so it is left out (zeroed) of the rotated templates at every angle,
keeping the scores of different angles comparable.
"""
from dataclasses import dataclass
from typing import Optional

import torch

from core.errors import TrackingError
from models.equivariance.actions import make_group


@dataclass
class RotationConfig:
    """``enabled``: estimate the rotation (needs IEN groups at every correlated level); ``order``: N, the
    angle step is ``360/N`` degrees (default: the largest group order); ``window``: steps searched either side
    of the last angle each frame."""

    enabled: bool = False
    order: Optional[int] = None
    window: int = 1


class TemplateRotator:
    """Rotates the raw (regular-representation) template features of a Siamese model by steps of ``360/N``."""

    def __init__(self, model, cfg: RotationConfig, where: str = "tracker.rotation"):
        groups = model.level_groups
        if any(g is None for g in groups):
            raise TrackingError(f"{where}.enabled: rotation estimation needs IEN channel groups at every "
                                f"correlated level (set model.groups and include the levels in model.taps)")
        orders = [n for g in groups for n in g.orders]
        self.order = int(cfg.order or max(orders))
        if self.order < 1 or not any(n % self.order == 0 for n in orders):
            raise TrackingError(f"{where}.order: no channel block has an order divisible by {self.order} "
                                f"(block orders {sorted(set(orders))})")
        if cfg.window < 0:
            raise TrackingError(f"{where}.window: must be >= 0, got {cfg.window}")
        self.window = min(int(cfg.window), self.order // 2)
        self.groups = groups
        self.group = make_group(f"C{self.order}")

    def angle(self, k: int) -> float:
        return 360.0 * k / self.order

    def candidates(self, last: int) -> list:
        """Steps to try around the last one (each once, modulo N)."""
        return sorted({(last + d) % self.order for d in range(-self.window, self.window + 1)})

    def rotate(self, feats, k: int) -> list:
        """Features of the template turned by ``k`` steps: channel roll + spatial rotation, per level."""
        out = []
        for f, g in zip(feats, self.groups):
            steps = [self.group.channel_action(k, n)[0] if n % self.order == 0 else 0 for n in g.orders]
            rolled = g.shift(f, steps) * self._kept_channels(g, f)
            out.append(self.group.act(rolled, torch.full((f.shape[0],), k, dtype=torch.long)))
        return out

    def _kept_channels(self, groups, f) -> torch.Tensor:
        keep = torch.cat([torch.full((m * n,), float(n % self.order == 0), dtype=f.dtype, device=f.device)
                          for m, n in groups.blocks])
        return keep[None, :, None, None]
