"""In-plane rotation of cached template features for IEN trackers (regular representation).

An IEN layer satisfies ``f(T_g x) ~ T_g f(x)``, where ``T_g`` on features rolls each field's orientation channels
(:meth:`ChannelGroups.shift`) and turns the map spatially. So the features of the template turned by ``k`` steps
of ``360/N`` degrees can be computed from the cached template features alone, and correlating the search
features with each of them tells which orientation fits best, without re-encoding any image.

Convention (shared with the IEN actions): step ``k`` turns counter-clockwise on screen, the sense of
``torch.rot90(x, k, dims=(-2, -1))``, and rolls an order-``n`` block by ``k * n / N`` channels. A block whose
order is not a multiple of ``N`` is not equivariant to every step, so it is left out (zeroed) of the rotated
templates at every angle, keeping the scores of different angles comparable.
"""
import math
from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn.functional as F

from core.errors import TrackingError


@dataclass
class RotationConfig:
    """``enabled``: estimate the rotation (needs IEN groups at every correlated level); ``order``: N, the
    angle step is ``360/N`` degrees (default: the largest group order); ``window``: steps searched either side
    of the last angle each frame."""

    enabled: bool = False
    order: Optional[int] = None
    window: int = 1


def rotate_spatial(x: torch.Tensor, angle_deg: float) -> torch.Tensor:
    """Turn ``(B, C, H, W)`` maps counter-clockwise on screen about their centre: exact for multiples of 90
    degrees, bilinear with zero fill otherwise."""
    quarter = angle_deg / 90.0
    if abs(quarter - round(quarter)) < 1e-9:
        return torch.rot90(x, int(round(quarter)) % 4, dims=(-2, -1))
    t = math.radians(angle_deg)
    c, s = math.cos(t), math.sin(t)
    h, w = x.shape[-2:]
    ry = (h - 1) / max(w - 1, 1)  # pixel -> normalised units differ per axis on non-square maps
    # output offset (u, v) about the centre reads source (c u - s v, s u + c v), in normalised units
    theta = torch.tensor([[c, -s * ry, 0.0], [s / ry, c, 0.0]], dtype=x.dtype, device=x.device)
    grid = F.affine_grid(theta[None].expand(x.shape[0], -1, -1), list(x.shape), align_corners=True)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


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

    def angle(self, k: int) -> float:
        return 360.0 * k / self.order

    def candidates(self, last: int) -> list:
        """Steps to try around the last one (each once, modulo N)."""
        return sorted({(last + d) % self.order for d in range(-self.window, self.window + 1)})

    def rotate(self, feats, k: int) -> list:
        """Features of the template turned by ``k`` steps: channel roll + spatial rotation, per level."""
        out = []
        for f, g in zip(feats, self.groups):
            steps = [k * n // self.order if n % self.order == 0 else 0 for n in g.orders]
            out.append(rotate_spatial(g.shift(f, steps) * self._kept_channels(g, f), self.angle(k)))
        return out

    def _kept_channels(self, groups, f) -> torch.Tensor:
        keep = torch.cat([torch.full((m * n,), float(n % self.order == 0), dtype=f.dtype, device=f.device)
                          for m, n in groups.blocks])
        return keep[None, :, None, None]
