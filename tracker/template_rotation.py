"""Rotation of cached template features for IEN trackers (regular representation), the network side of
:mod:`tracker.rotation`.

A rotation by ``k`` steps turns the map spatially (the IEN machinery's own action,
:func:`models.equivariance.actions.make_group`, group ``C_N``: step ``k`` turns counter-clockwise on screen, the
sense of ``torch.rot90(x, k, dims=(-2, -1))``, other angles resample bilinearly) and rolls an order-``n`` block by
``k * n / N`` channels. A block whose order is not a multiple of ``N`` is not equivariant to every step, so it is
left out (zeroed) of the rotated templates at every angle, keeping the scores of different angles comparable.
Every step is a constant of the graph, so the rotated templates export to ONNX with the template network.
"""
import torch

from core.errors import TrackingError
from models.equivariance.actions import make_group
from tracker.rotation import RotationConfig, RotationSteps


class TemplateRotator:
    """Rotates the raw (regular-representation) template features of a Siamese model by steps of ``360/N``."""

    def __init__(self, model, cfg: RotationConfig, where: str = "tracker.rotation"):
        groups = model.level_groups
        if any(g is None for g in groups):
            raise TrackingError(f"{where}.enabled: rotation estimation needs IEN channel groups at every "
                                f"correlated level (set model.groups and include the levels in model.taps)")
        orders = [n for g in groups for n in g.orders]
        order = int(cfg.order or max(orders))
        if order < 1 or not any(n % order == 0 for n in orders):
            raise TrackingError(f"{where}.order: no channel block has an order divisible by {order} "
                                f"(block orders {sorted(set(orders))})")
        self.steps = RotationSteps(order, cfg.window, where)
        self.groups = groups
        self.group = make_group(f"C{order}")
        self._keep = [self._kept_channels(g) for g in groups]

    def rotate(self, feats, k: int) -> list:
        """Features of the template turned by ``k`` steps: channel roll + spatial rotation, per level."""
        return [self.group.transform(f, k) for f in self.roll_channels(feats, k)]

    def roll_channels(self, feats, k: int) -> list:
        """The channel part of :meth:`rotate` alone, per level: each block's orientations rolled by ``k`` steps,
        blocks not equivariant to every step zeroed. Linear over channels and the same at every position, so it
        also turns the real and imaginary parts of the maps' spatial spectra (the DCF tracker's online model)."""
        order = self.steps.order
        out = []
        for f, g, keep in zip(feats, self.groups, self._keep):
            steps = [self.group.channel_action(k, n)[0] if n % order == 0 else 0 for n in g.orders]
            out.append(g.shift(f, steps) * keep.to(dtype=f.dtype, device=f.device))
        return out

    def _kept_channels(self, groups) -> torch.Tensor:
        """1 for the channels of blocks equivariant to every step, 0 for the rest; built once, since the tracker
        rolls channels several times per frame (per tried turn, and per real and imaginary part in the DCF)."""
        keep = torch.cat([torch.full((m * n,), float(n % self.steps.order == 0)) for m, n in groups.blocks])
        return keep[None, :, None, None]
