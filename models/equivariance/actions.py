"""Group actions on images and feature maps for the IEN equivariance loss and metric.

IEN (Khetan, Arora, Rehman, Gupta, *Implicit Equivariance in Convolutional Networks*, arXiv 2111.14157) asks a
layer ``f_l`` to satisfy ``P f_l(T_g x) = T_g P f_l(x)``: the same group element ``g`` acts on the input image and,
spatially, on the feature map. This module holds the groups and their actions:

- ``Cn`` rotations by multiples of ``360/n`` degrees about the map centre. Multiples of 90 degrees use
  ``torch.rot90`` (exact); other angles resample bilinearly, and the comparison is restricted to the centred disk
  of radius ``(S - 1) / 2`` (the *circular mask*), since corners of a rotated square are not rotated content.
- ``Dn`` adds the horizontal mirror ``F`` (exact): element ``(k, f)`` is ``T = R^k F^f`` (mirror first).
- ``scale``: zoom about the centre by ``step**k`` for ``k = -levels..levels``. Zooming in crops, zooming out pads
  with zeros; both are one bilinear resampling. Where the inverse zoom would read outside the map (the border
  that was cropped away when zooming in) the mask is zero.
- ``A+B`` (e.g. ``C4+scale``): the union of groups, one element at a time (not their products). Training draws
  first which group, with given weights, then a non-identity element of it, so adding zooms to C4 does not add
  a second term: each pair still carries one transformed copy, and the rotation term keeps the share of pairs
  its weight gives it.

Elements are integers, ``0`` is the identity; a batch carries one element per sample as a ``LongTensor (B,)``.

Channels. Besides the spatial action, a group element acts on the channels of a layer laid out by
:class:`~models.equivariance.groups.ChannelGroups`:

- *pooled* form (the paper's): orientation pooling ``P`` (max over each field's orientations) makes every field
  an invariant, so only the spatial action remains.
- *regular* form: a rotation by ``k`` steps of ``Cn`` is ``k * order / n`` steps of an order-``order`` block,
  rolling every field's orientations by that many; the mirror maps orientation ``o`` to ``-o``. This keeps
  orientation information and lets a tracker rotate template features without re-encoding the template.
  Scaling leaves channels alone.

Heterogeneous splits (blocks of different orders, e.g. 8:2:1 with orders 8, 4, 2), the rule: a block of order
``m`` only promises equivariance to its own rotation group ``C_m`` (plus the mirror when the group has one). A
rotation by ``k`` steps of ``Cn`` belongs to ``C_m`` iff ``k * m / n`` is a whole number; for any other element
(e.g. a 45-degree rotation seen by an order-4 block, or any rotation seen by an order-1 block) the block is LEFT
OUT of that element's loss and metric, in both forms. Pooling alone would ask the block for an invariance its
channel layout cannot express, so it is not used as a fallback.
"""
import math
import re
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from core.errors import TrackingError
from models.equivariance.groups import ChannelGroups

FORMS = ("pooled", "regular")


class Group(ABC):
    """A finite set of spatial transformations indexed ``0..size-1``; element 0 is the identity."""

    name: str
    size: int

    @abstractmethod
    def describe(self, e: int) -> str:
        """Human-readable name of element ``e`` (for tables)."""

    @abstractmethod
    def exact(self, e: int) -> bool:
        """True when element ``e`` permutes pixels exactly (no resampling, no mask)."""

    @abstractmethod
    def _apply(self, x: torch.Tensor, e: int, inverse: bool) -> torch.Tensor:
        """``T_e x`` (or ``T_e^-1 x``) for a whole batch ``(B, C, H, W)`` with one element."""

    @abstractmethod
    def _valid(self, h: int, w: int, e: int, device, inverse: bool) -> torch.Tensor:
        """``(H, W)`` 0/1 map of where ``T_e^-1 y`` (or ``T_e y``) reads inside an ``(h, w)`` map ``y``."""

    @abstractmethod
    def point_map(self, e: int) -> np.ndarray:
        """2x2 map taking a point's offset (x, y) from the centre to its offset after ``T_e`` (where
        :meth:`transform` moves image content; a training copy's target box moves with it)."""

    def channel_action(self, e: int, order: int) -> Optional[tuple]:
        """``(steps, mirrored)`` by which element ``e`` acts on an order-``order`` block, or ``None`` when ``e`` is
        not in that block's group (the block is then left out for ``e``; see the module docstring)."""
        return 0, False

    # ---- batched helpers: one element per sample ----
    def elements(self) -> range:
        return range(self.size)

    def sample(self, batch: int, generator: Optional[torch.Generator] = None, device="cpu") -> torch.Tensor:
        """One uniformly drawn non-identity element per sample."""
        if self.size < 2:
            raise TrackingError(f"group {self.name} has no non-identity element to train with")
        return torch.randint(1, self.size, (batch,), generator=generator).to(device)

    def act(self, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """``T_g x`` per sample (images or feature maps)."""
        return self.per_element(x, g, lambda part, e: self.transform(part, e))

    def transform(self, x: torch.Tensor, e: int) -> torch.Tensor:
        """``T_e x`` for a whole batch with one element given as a number: no per-sample dispatch on tensor
        values, so it exports to a static graph (the trackers' rotated templates)."""
        return self._apply(x, e, inverse=False)

    def act_inverse(self, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """``T_g^-1 x`` per sample (spatial part only)."""
        return self.per_element(x, g, lambda part, e: self._apply(part, e, inverse=True))

    def mask(self, g: torch.Tensor, h: int, w: int, device="cpu", inverse: bool = True) -> torch.Tensor:
        """``(B, 1, H, W)`` 0/1 weights: where ``T_g^-1`` (or ``T_g``) of a map is exact content."""
        g = torch.as_tensor(g, dtype=torch.long).flatten().cpu()
        return _mask_table(self, h, w, str(device), inverse)[g][:, None]

    def per_element(self, x, g, fn):
        """``fn(part, e)`` on the samples of each distinct element ``e`` of ``g``, reassembled in batch order."""
        g = _as_elements(g, x.shape[0])
        elements = torch.unique(g).tolist()
        if len(elements) == 1:
            return fn(x, elements[0])
        chosen = [(g == e).nonzero(as_tuple=True)[0] for e in elements]
        parts = torch.cat([fn(x[sel.to(x.device)], e) for e, sel in zip(elements, chosen)])
        return parts[torch.argsort(torch.cat(chosen)).to(x.device)]


class RotationGroup(Group):
    """``Cn`` (``mirror=False``) or ``Dn`` (``mirror=True``): element ``k + n * f`` is ``R^k F^f``.

    ``R`` turns by ``360/n`` degrees in the sense of ``torch.rot90(x, 1, dims=(-2, -1))``; ``F`` mirrors columns.
    Maps must be square (a 90-degree turn of a non-square map cannot be compared with the original).
    """

    def __init__(self, n: int, mirror: bool = False):
        if n < 1:
            raise TrackingError(f"rotation group order must be >= 1, got {n}")
        self.n, self.mirror = int(n), bool(mirror)
        self.size = self.n * (2 if mirror else 1)
        self.name = f"{'D' if mirror else 'C'}{self.n}"

    def split(self, e: int) -> tuple:
        """``(k, f)``: rotation steps and mirror flag of element ``e``."""
        return e % self.n, e // self.n

    def describe(self, e: int) -> str:
        k, f = self.split(e)
        return ("mirror+" if f else "") + f"rot{360.0 * k / self.n:g}"

    def exact(self, e: int) -> bool:
        k, _ = self.split(e)
        return (4 * k) % self.n == 0

    def channel_action(self, e: int, order: int) -> Optional[tuple]:
        k, f = self.split(e)
        if (k * order) % self.n:
            return None
        return (k * order) // self.n, bool(f)

    def _apply(self, x, e, inverse):
        if x.shape[-1] != x.shape[-2]:
            raise ValueError(f"rotations need square maps, got {tuple(x.shape[-2:])}")
        k, f = self.split(e)
        if not inverse:
            return self._rotate(torch.flip(x, dims=[-1]) if f else x, k)
        x = self._rotate(x, -k)
        return torch.flip(x, dims=[-1]) if f else x

    def _rotate(self, x, k):
        if (4 * k) % self.n == 0:
            return torch.rot90(x, (4 * k) // self.n, dims=(-2, -1))
        return resample(x, rotation_scale_matrix(2 * math.pi * k / self.n, 1.0))

    def _valid(self, h, w, e, device, inverse):
        if self.exact(e):
            return torch.ones(h, w, device=device)
        return disk_mask(h, w, str(device)).to(device)

    def point_map(self, e):
        # content sampled at c + M (p - c) after the mirror moves by M^-1 after the mirror
        k, f = self.split(e)
        turn = np.linalg.inv(rotation_scale_matrix(2 * math.pi * k / self.n, 1.0).numpy())
        return turn @ (np.diag([-1.0, 1.0]) if f else np.eye(2))


class ScaleGroup(Group):
    """Zoom about the centre by ``step**k``, ``k in -levels..levels``; element order ``0, 1, -1, 2, -2, ...``."""

    def __init__(self, step: float = 2 ** 0.25, levels: int = 2):
        if step <= 1.0 or levels < 1:
            raise TrackingError(f"scale group needs step > 1 and levels >= 1, got step={step}, levels={levels}")
        self.step, self.levels = float(step), int(levels)
        self.size = 2 * self.levels + 1
        self.name = "scale"

    def exponent(self, e: int) -> int:
        return 0 if e == 0 else ((e + 1) // 2) * (1 if e % 2 else -1)

    def factor(self, e: int) -> float:
        return self.step ** self.exponent(e)

    def describe(self, e: int) -> str:
        return f"x{self.factor(e):.3f}"

    def exact(self, e: int) -> bool:
        return e == 0

    def _apply(self, x, e, inverse):
        if e == 0:
            return x
        s = self.factor(e)
        return resample(x, rotation_scale_matrix(0.0, 1.0 / s if inverse else s))

    def _valid(self, h, w, e, device, inverse):
        # T^-1 reads y at c + (p - c) * s (T at c + (p - c) / s): inside the map only in the central 1/s part
        # when s > 1.
        s = self.factor(e) if inverse else 1.0 / self.factor(e)
        if s <= 1.0:
            return torch.ones(h, w, device=device)
        ys = (torch.arange(h, device=device, dtype=torch.float32) - (h - 1) / 2) * s
        xs = (torch.arange(w, device=device, dtype=torch.float32) - (w - 1) / 2) * s
        eps = 1e-4
        return ((ys.abs() <= (h - 1) / 2 + eps)[:, None] & (xs.abs() <= (w - 1) / 2 + eps)[None, :]).float()

    def point_map(self, e):
        return np.eye(2) * self.factor(e)


class UnionGroup(Group):
    """The elements of several groups side by side (``C4+scale``): element 0 is the identity, then each part's
    non-identity elements in turn. It is a set of transformations, not a group (a turn followed by a zoom is
    not in it); everything but drawing is the part's own action on the part's own element.

    :meth:`sample` is the one place that draws from it: a part with probability proportional to its weight
    (default: equal), then one of that part's non-identity elements uniformly.
    """

    def __init__(self, parts, weights=None):
        self.parts = tuple(parts)
        if len(self.parts) < 2:
            raise TrackingError("a union needs at least two groups")
        weights = tuple(float(w) for w in (weights if weights else [1.0] * len(self.parts)))
        if len(weights) != len(self.parts) or min(weights) <= 0:
            raise TrackingError(f"group {'+'.join(p.name for p in self.parts)}: needs one weight > 0 per part "
                                f"({len(self.parts)}), got {list(weights)}")
        self.weights = torch.tensor(weights, dtype=torch.float64) / sum(weights)
        #: first union element of each part (element 1 of part i is union element starts[i])
        self.starts = torch.tensor([1 + sum(p.size - 1 for p in self.parts[:i]) for i in range(len(self.parts))])
        self.size = 1 + sum(p.size - 1 for p in self.parts)
        self.name = "+".join(p.name for p in self.parts)

    def resolve(self, e: int) -> tuple:
        """``(part, element of that part)`` of union element ``e``; the identity is the first part's."""
        if e == 0:
            return self.parts[0], 0
        i = int(torch.searchsorted(self.starts, torch.tensor(e), right=True)) - 1
        return self.parts[i], e - int(self.starts[i]) + 1

    def sample(self, batch, generator=None, device="cpu"):
        if any(p.size < 2 for p in self.parts):
            raise TrackingError(f"group {self.name}: every part needs a non-identity element to train with")
        part = torch.multinomial(self.weights, batch, replacement=True, generator=generator)
        sizes = torch.tensor([p.size - 1 for p in self.parts])[part]
        within = (torch.rand(batch, generator=generator, dtype=torch.float64) * sizes).long().clamp_max(sizes - 1)
        return (self.starts[part] + within).to(device)

    def describe(self, e):
        part, k = self.resolve(e)
        return part.describe(k)

    def exact(self, e):
        part, k = self.resolve(e)
        return part.exact(k)

    def channel_action(self, e, order):
        part, k = self.resolve(e)
        return part.channel_action(k, order)

    def _apply(self, x, e, inverse):
        part, k = self.resolve(e)
        return part._apply(x, k, inverse)

    def _valid(self, h, w, e, device, inverse):
        part, k = self.resolve(e)
        return part._valid(h, w, k, device, inverse)

    def point_map(self, e):
        part, k = self.resolve(e)
        return part.point_map(k)


def make_group(name: str, **params) -> Group:
    """Build a group by name: ``C4``, ``C8``, ``D4``, ``D8`` (any ``Cn``/``Dn``), ``scale`` (``step``,
    ``levels``), or a union of them joined by ``+`` (``weights``: one per part; the parts take defaults).
    Unknown names or parameters raise a :class:`TrackingError` saying what is valid."""
    if "+" in str(name):
        unknown = sorted(set(params) - {"weights"})
        if unknown:
            raise TrackingError(f"group {name}: unexpected parameters {unknown} (a union takes weights)")
        return UnionGroup([make_group(part) for part in str(name).split("+")], params.get("weights"))
    match = re.fullmatch(r"([CD])(\d+)", str(name))
    try:
        if match:
            if params:
                raise TypeError(f"unexpected parameters {sorted(params)}")
            return RotationGroup(int(match.group(2)), mirror=match.group(1) == "D")
        if name == "scale":
            return ScaleGroup(**params)
    except TypeError as err:
        raise TrackingError(f"group {name}: {err} (scale takes step, levels; rotation groups take none)") from None
    raise TrackingError(f"unknown group {name!r}; valid: C4, C8, D4, D8 (any Cn or Dn), scale, or a union "
                        "such as C4+scale")


# ---- resampling ----
def rotation_scale_matrix(angle: float, scale: float) -> torch.Tensor:
    """2x2 map from output offsets (col, row) about the centre to source offsets, for ``T = zoom(scale) o
    rotate(angle)`` with the rotation sense of ``torch.rot90`` (90 degrees: output (i, j) reads (j, W-1-i))."""
    c, s = math.cos(angle) / scale, math.sin(angle) / scale
    return torch.tensor([[c, -s], [s, c]], dtype=torch.float64)


def resample(x: torch.Tensor, matrix) -> torch.Tensor:
    """Bilinear ``out(p) = x(c + M (p - c))`` in pixel units about the map centre, zeros outside. ``matrix``: the
    2x2 ``M`` as a tensor, or its four numbers row by row (what an exported graph needs: no tensor is read)."""
    h, w = x.shape[-2:]
    numbers = matrix.flatten().tolist() if isinstance(matrix, torch.Tensor) else matrix
    grid = _grid(h, w, tuple(float(v) for v in numbers), str(x.device)).to(x.dtype)
    return F.grid_sample(x, grid.expand(x.shape[0], -1, -1, -1), mode="bilinear", padding_mode="zeros",
                         align_corners=True)


@lru_cache(maxsize=64)
def _grid(h, w, m, device):
    cy, cx = (h - 1) / 2, (w - 1) / 2
    rows = torch.arange(h, dtype=torch.float64) - cy
    cols = torch.arange(w, dtype=torch.float64) - cx
    v, u = torch.meshgrid(rows, cols, indexing="ij")
    src_col = cx + m[0] * u + m[1] * v
    src_row = cy + m[2] * u + m[3] * v
    gx = 2 * src_col / max(w - 1, 1) - 1
    gy = 2 * src_row / max(h - 1, 1) - 1
    return torch.stack([gx, gy], dim=-1)[None].float().to(device)


@lru_cache(maxsize=64)
def disk_mask(h: int, w: int, device: str = "cpu") -> torch.Tensor:
    """1 inside the centred disk of radius ``(min(h, w) - 1) / 2``, where every rotation reads inside the map."""
    rows = torch.arange(h, dtype=torch.float32) - (h - 1) / 2
    cols = torch.arange(w, dtype=torch.float32) - (w - 1) / 2
    radius = (min(h, w) - 1) / 2
    return ((rows[:, None] ** 2 + cols[None, :] ** 2) <= radius ** 2 + 1e-4).float().to(device)


# ---- features: T_g^-1 of a layer's output, and the reference it is compared with ----
def reference_features(f: torch.Tensor, channels: ChannelGroups, form: str) -> torch.Tensor:
    """``P f(x)`` (pooled form) or ``f(x)`` (regular form)."""
    check_form(form)
    return channels.pool(f) if form == "pooled" else f


def act_features(f: torch.Tensor, g: torch.Tensor, group: Group, channels: ChannelGroups, form: str) -> tuple:
    """``T_g P f`` (pooled) or ``T_g f`` (regular: spatial turn plus each field's orientation shift), and the
    ``(B, C', H, W)`` 0/1 weights of what is meaningful. With the regular form a tracker can turn template
    features by ``g`` without re-encoding the turned template (exact for an equivariant layer)."""
    return _features(f, g, group, channels, form, inverse=False)


def align_features(ft: torch.Tensor, g: torch.Tensor, group: Group, channels: ChannelGroups, form: str) -> tuple:
    """``T_g^-1 P f(T_g x)`` (pooled) or ``T_g^-1 f(T_g x)`` (regular), and its ``(B, C', H, W)`` 0/1 weights.

    Weights are the spatial mask of each sample's element times a channel mask that drops the blocks whose group
    does not contain that element (module docstring).
    """
    return _features(ft, g, group, channels, form, inverse=True)


def _features(f, g, group, channels, form, inverse):
    check_form(form)
    g = _as_elements(g, f.shape[0])
    pooled = form == "pooled"
    if pooled:
        f = channels.pool(f)

    def move(part, e):  # one element's channel permutation (regular form) and spatial action
        if not pooled:
            part = part.index_select(1, channel_permutation(group, e, channels, inverse).to(part.device))
        return group._apply(part, e, inverse)

    out = group.per_element(f, g, move)
    keep = _channel_mask_table(group, channels, pooled, str(f.device))[g]
    return out, keep[:, :, None, None] * group.mask(g, *f.shape[-2:], device=f.device, inverse=inverse)


@lru_cache(maxsize=256)
def channel_permutation(group, e: int, channels: ChannelGroups, inverse: bool) -> torch.Tensor:
    """The regular-form channel action of element ``e`` (or its inverse) as a permutation: channel ``c`` of the
    result is channel ``perm[c]`` of the input (:func:`_channel_act` applied to the channel numbers)."""
    numbers = torch.arange(channels.channels, dtype=torch.float64).view(1, -1, 1, 1)
    return _channel_act(numbers, e, group, channels, inverse).flatten().long()


def _channel_act(f, e, group, channels, inverse):
    """Regular-representation channel action of element ``e``: ``o -> s * o + steps`` per block (``s = -1`` when
    mirrored), or its inverse. Blocks outside the element's group are left as they are (their weight is 0)."""
    actions = [group.channel_action(e, order) for _, order in channels.blocks]
    steps = [(a[0] if a else 0) * (-1 if inverse else 1) for a in actions]
    mirrored = any(a and a[1] for a in actions)
    if mirrored and not inverse:
        f = _mirror(f, channels)
    f = channels.shift(f, steps)
    return _mirror(f, channels) if mirrored and inverse else f


def _mirror(f, channels):
    """Orientation ``o -> -o`` inside every field (the mirror's action on a regular field)."""
    return torch.cat([b[:, :, (-torch.arange(b.shape[2], device=f.device)) % b.shape[2]].flatten(1, 2)
                      for b in channels.split(f)], dim=1)


@lru_cache(maxsize=64)
def _channel_mask_table(group, channels, pooled, device):
    """``(size, C')`` 0/1: the channels (pooled or not) whose block's group contains each element."""
    rows = []
    for e in group.elements():
        rows.append(torch.cat([torch.full((multiplicity * (1 if pooled else order),),
                                          float(group.channel_action(e, order) is not None))
                               for multiplicity, order in channels.blocks]))
    return torch.stack(rows).to(device)


@lru_cache(maxsize=64)
def _mask_table(group, h, w, device, inverse):
    """``(size, H, W)``: :meth:`Group._valid` of every element, built once per map size."""
    return torch.stack([group._valid(h, w, e, device, inverse) for e in group.elements()])


def check_form(form):
    if form not in FORMS:
        raise TrackingError(f"unknown equivariance form {form!r}; valid: {', '.join(FORMS)}")


def _as_elements(g, batch):
    g = torch.as_tensor(g, dtype=torch.long).flatten().cpu()
    if g.numel() == 1 and batch != 1:
        g = g.expand(batch)
    if g.numel() != batch:
        raise ValueError(f"{g.numel()} group elements for a batch of {batch}")
    return g
