"""Rotation-tied initialisation: start an ordinary CNN exactly C_n-equivariant (regular representation), so the IEN
term keeps orientation-selective filters instead of first reaching its easy minimum.

Why: trained from a standard random start with the IEN term, our narrow SiamFC backbones made the term vanish in a
few dozen steps while the task loss stayed at log 2: features that are (nearly) the same in every direction
satisfy ``P f(T_g x) = T_g P f(x)`` trivially but cannot localise a target. Starting from filters whose ``n``
orientation channels are turned copies of one filter (the lifting / group convolutions of an exactly equivariant
network) the term starts at 0 and only has to keep the untied weights close to equivariant while the task trains
them. The weights stay ordinary, untied parameters: this is an initial value, not a constraint (IEN's point).

For a field ``f`` of order ``n`` with orientation channels ``o`` (channel ``f * n + o``, the
:class:`ChannelGroups` layout), inputs ``(g, j)`` in the same layout, and ``R`` the group's turn
(``torch.rot90(w, 4 // n, dims=(-2, -1))``):

    W[f, o, g, j] = R^o W[f, 0, g, (j - o) mod n]        (regular input: the previous stage's fields)
    W[f, o, c]    = R^o W[f, 0, c]                        (plain input, e.g. the RGB image)

which gives ``f(R x)[f, o] = R f(x)[f, o - 1]``: a turn of the input turns every map and shifts each field's
orientations by one. Heterogeneous layers are tied block by block (:func:`tie_conv`). Orders 1, 2 and 4 only
(``rot90`` is exact).
"""
import torch
from torch import nn

from core.errors import TrackingError


def tie_rotations(backbone: nn.Module, stage_convs: dict) -> None:
    """Tie the convolutions of the tapped stages in place.

    ``stage_convs`` maps a stage name of ``backbone.groups`` (its :class:`ChannelGroups`) to that stage's
    ``nn.Conv2d``, in forward order; a stage's input is in the regular representation when the previous stage
    (in this mapping) is tapped, else plain.
    """
    previous = None
    for name, conv in stage_convs.items():
        groups = backbone.groups.get(name)
        if groups is not None:
            tie_conv(conv, groups, previous, name)
        previous = groups


def tie_conv(conv: nn.Conv2d, out_groups, in_groups=None, name: str = "layer") -> None:
    """Overwrite ``conv``'s weights (and bias) so that each output field's orientation channels are turned copies
    of its first one; ``in_groups`` is the input's :class:`ChannelGroups` (None: a plain input such as RGB).

    Heterogeneous blocks: an order-``n`` output block is equivariant to ``C_n`` only, so it is tied to input
    blocks whose group contains ``C_n``; its weights from lower-order input blocks (which a ``360/n`` turn does
    not map to themselves) start at zero.
    """
    w = conv.weight.data
    c_out, c_in, kh, kw = w.shape
    if kh != kw:
        raise TrackingError(f"tied init: {name}: square kernels only, got {kh}x{kw}")
    in_blocks = in_groups.blocks if in_groups is not None else ((c_in, 1),)
    regular_input = in_groups is not None
    row = 0
    for fields, order in out_groups.blocks:
        if order not in (1, 2, 4):
            raise TrackingError(f"tied init: {name}: group order {order} is not exact with rot90 (use 1, 2 or 4)")
        block = w[row:row + fields * order].view(fields, order, c_in, kh, kw)
        base = _turned(block[:, 0].clone(), 0, order, in_blocks, regular_input)  # zeroes what is not tied
        block[:, 0] = base
        for o in range(1, order):
            block[:, o] = _turned(base, o, order, in_blocks, regular_input)
        row += fields * order
        if conv.bias is not None:
            bias = conv.bias.data[row - fields * order:row].view(fields, order)
            bias[:] = bias[:, :1]


def _turned(base, o: int, order: int, in_blocks, regular_input: bool):
    """Orientation ``o`` of an order-``order`` field: ``base`` turned by ``o`` steps of ``360/order`` degrees, each
    input block's orientations shifted by the same turn (zero where the input block's group lacks it)."""
    quarter_turns = o * (4 // order)
    turned = torch.rot90(base, quarter_turns, dims=(-2, -1))
    if not regular_input:
        return turned
    parts, col = [], 0
    for fields_in, order_in in in_blocks:
        part = turned[:, col:col + fields_in * order_in]
        col += fields_in * order_in
        if order_in % order:
            parts.append(torch.zeros_like(part))
            continue
        shift = o * (order_in // order)
        parts.append(part.reshape(part.shape[0], fields_in, order_in, *part.shape[-2:]).roll(shift, dims=2)
                     .reshape(part.shape))
    return torch.cat(parts, dim=1)
