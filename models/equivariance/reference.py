"""A small CNN that is equivariant by construction: the yardstick for the IEN loss and metric.

Why: the equivariance-error metric needs a network whose error is known to be zero (C4, to test the machinery)
or as small as resampling allows (C8, scale: the *interpolation floor* that a trained IEN network is judged
against).

Construction (group convolutions, written for this project). A layer's output is laid out by
:class:`ChannelGroups`: a block of order ``n`` holds fields of ``n`` orientation channels. Output orientation ``q``
of an order-``n`` block uses the filter turned by ``q * 360/n`` degrees:

- lifting (image input, whose channels are invariant scalars): ``psi_q = R^q psi``;
- group convolution from fields of order ``n``: ``W_q[p] = R^q W[(p - q) mod n]``, so that
  ``f(R x) = R roll(f(x), 1)``: rotating the input rotates the map and rolls every field's orientations by one.

Turns by multiples of 90 degrees use ``torch.rot90`` (exact). Other turns (order-8 blocks) resample the filter
bilinearly inside a disk, which makes the network equivariant only up to interpolation: that is the floor.

Heterogeneous layers: an order-``n`` output block reads only the input blocks whose order is a multiple of ``n``
(their fields, restricted to the subgroup ``C_n``, are ``n_in / n`` fields of order ``n``: orientations
``r, r + d, r + 2d, ...`` with ``d = n_in / n``). An order-1 block is an ordinary unconstrained channel, which
is why it is left out of every non-identity element's loss (see :mod:`models.equivariance.actions`).
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

from core.errors import TrackingError
from models.equivariance.actions import disk_mask, resample, rotation_scale_matrix
from models.equivariance.groups import ChannelGroups


class GroupConv(nn.Module):
    """Group convolution (optionally lifting, when ``inputs`` is a plain channel count) followed by ReLU."""

    def __init__(self, inputs, outputs: ChannelGroups, kernel_size: int = 3, stride: int = 1, relu: bool = True):
        super().__init__()
        if kernel_size % 2 == 0:
            raise TrackingError(f"reference network kernels must be odd so rotations keep the centre, got {kernel_size}")
        self.outputs, self.kernel_size, self.stride, self.relu = outputs, kernel_size, stride, relu
        self.lifting = not isinstance(inputs, ChannelGroups)
        self.in_channels = inputs if self.lifting else inputs.channels
        self.needs_disk = any(4 % n for _, n in outputs.blocks)
        self.weights, self.biases, self._fields = nn.ParameterList(), nn.ParameterList(), []
        for multiplicity, order in outputs.blocks:
            fields = self._input_fields(inputs, order)
            if fields.shape[0] == 0:
                raise TrackingError(f"an order-{order} output block has no input block whose order it divides")
            self._fields.append(fields)
            fan_in = fields.shape[0] * fields.shape[1] * kernel_size ** 2
            self.weights.append(nn.Parameter(
                torch.randn(multiplicity, *fields.shape, kernel_size, kernel_size) * math.sqrt(2.0 / fan_in)))
            self.biases.append(nn.Parameter(0.1 * torch.randn(multiplicity)))

    def _input_fields(self, inputs, order):
        """``(F, o)`` input-channel indices: ``F`` fields of ``o`` orientations (``o = 1`` for scalar inputs)."""
        if self.lifting:
            return torch.arange(inputs)[:, None]
        fields, start = [], 0
        for multiplicity, n_in in inputs.blocks:
            if n_in % order == 0:
                d = n_in // order
                idx = start + torch.arange(multiplicity)[:, None, None] * n_in + torch.arange(d)[None, :, None] \
                    + d * torch.arange(order)[None, None, :]
                fields.append(idx.reshape(-1, order))
            start += multiplicity * n_in
        return torch.cat(fields) if fields else torch.zeros(0, order, dtype=torch.long)

    def full_weight(self) -> tuple:
        """The assembled ``(C_out, C_in, k, k)`` filter bank and ``(C_out,)`` bias."""
        k = self.kernel_size
        weight = self.weights[0].new_zeros(self.outputs.channels, self.in_channels, k, k)
        bias, row = [], 0
        for (multiplicity, order), base, b, fields in zip(self.outputs.blocks, self.weights, self.biases, self._fields):
            if self.needs_disk:
                base = base * disk_mask(k, k, str(base.device)).to(base.device)
            for field in range(multiplicity):
                for q in range(order):
                    w = base[field] if self.lifting else torch.roll(base[field], shifts=q, dims=1)
                    w = _turn(w, q, order)
                    weight = weight.index_put((torch.tensor(row), fields.to(weight.device)), w)
                    row += 1
            bias.append(b.repeat_interleave(order))
        return weight, torch.cat(bias)

    def forward(self, x):
        weight, bias = self.full_weight()
        y = F.conv2d(x, weight, bias, stride=self.stride, padding=self.kernel_size // 2)
        return F.relu(y) if self.relu else y


def _turn(w, q, order):
    """Filters ``(..., k, k)`` turned by ``q * 360 / order`` degrees, exactly when that is a multiple of 90."""
    if (4 * q) % order == 0:
        return torch.rot90(w, (4 * q) // order, dims=(-2, -1))
    k = w.shape[-1]
    flat = w.reshape(-1, 1, k, k)
    return resample(flat, rotation_scale_matrix(2 * math.pi * q / order, 1.0)).reshape(w.shape)


class ReferenceEquivariantNet(nn.Module):
    """Stack of :class:`GroupConv` layers; ``ien_taps`` maps ``layers.i`` to each layer's channel groups.

    Exactly C4-equivariant when every block order divides 4, in the regular form (and so in the pooled form).
    """

    def __init__(self, layers, in_channels: int = 3, kernel_size: int = 3, strides=None):
        super().__init__()
        layers = list(layers)
        strides = list(strides) if strides is not None else [1] + [2] * (len(layers) - 1)
        if len(strides) != len(layers):
            raise TrackingError(f"{len(strides)} strides for {len(layers)} layers")
        modules, inputs = [], in_channels
        for channels, stride in zip(layers, strides):
            modules.append(GroupConv(inputs, channels, kernel_size, stride))
            inputs = channels
        self.layers = nn.Sequential(*modules)
        self.ien_taps = {f"layers.{i}": channels for i, channels in enumerate(layers)}

    def forward(self, x):
        return self.layers(x)


def reference_for(group_name: str, fields: int = 4, depth: int = 3, heterogeneous: bool = False,
                  in_channels: int = 3) -> ReferenceEquivariantNet:
    """The reference network that measures the floor of a group.

    - ``C4``/``D4``-like groups: order-4 blocks, 3x3 filters (exact under C4; its error is the machinery's).
    - ``C8``/``D8``: order-8 blocks, 5x5 disk filters turned by resampling (equivariant up to interpolation).
    - ``scale``: 1x1 filters, stride 1. A pointwise network commutes with every resampling of the plane in the
      continuum, so what it measures under zooms is resampling alone.

    ``heterogeneous`` splits every layer 2:1:1 into orders (n, n/2, 1) (``n`` the order above): the order-1
    block is ordinary channels, left out of the loss, and the order-n/2 block counts only for its subgroup.
    """
    if group_name == "scale":
        order, kernel, strides = 4, 1, [1] * depth
    else:
        order = 8 if group_name.endswith("8") else 4
        kernel, strides = (5 if order == 8 else 3), None
    if heterogeneous:
        layers = [ChannelGroups.from_ratio(fields * order * 2, (2, 1, 1), (order, order // 2, 1), f"layers.{i}")
                  for i in range(depth)]
    else:
        layers = [ChannelGroups.homogeneous(fields * order, order, f"layers.{i}") for i in range(depth)]
    return ReferenceEquivariantNet(layers, in_channels, kernel, strides)
