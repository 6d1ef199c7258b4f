"""Necks and heads of the Siamese trackers: cross-correlations, the SiamFC score head, the SiamRPN++ adjust
layers and depthwise RPN heads fused over levels.

Template features may have batch 1 while search features carry several crops (SiamFC's scales); the
correlations broadcast the template over the search batch.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def _match_batch(z, x):
    if z.shape[0] == x.shape[0]:
        return z
    if z.shape[0] == 1:
        return z.expand(x.shape[0], *z.shape[1:])
    raise ValueError(f"template batch {z.shape[0]} does not match search batch {x.shape[0]}")


def xcorr(z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Full cross-correlation of each search map with its template: ``(B, C, h, w) x (B, C, H, W) -> (B, 1,
    H-h+1, W-w+1)`` (one grouped convolution for the batch)."""
    z = _match_batch(z, x)
    b, c, h, w = x.shape
    out = F.conv2d(x.reshape(1, b * c, h, w), z, groups=b)
    return out.reshape(b, 1, out.shape[-2], out.shape[-1])


def xcorr_depthwise(z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Channel-by-channel cross-correlation: ``(B, C, h, w) x (B, C, H, W) -> (B, C, H-h+1, W-w+1)``."""
    z = _match_batch(z, x)
    b, c, h, w = x.shape
    out = F.conv2d(x.reshape(1, b * c, h, w), z.reshape(b * c, 1, *z.shape[-2:]), groups=b * c)
    return out.reshape(b, c, out.shape[-2], out.shape[-1])


class SiamFCHead(nn.Module):
    """``response = 0.001 * xcorr(z, x) + bias``. The 0.001 keeps the initial logits of a randomly initialised
    network in the range where the logistic loss is not saturated (SiamFC's choice); the bias is learnable
    (initialised to 0) so training can set the operating point of the score."""

    def __init__(self, scale: float = 0.001):
        super().__init__()
        self.scale = scale
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, z, x):
        return xcorr(z, x) * self.scale + self.bias


class AdjustLayer(nn.Module):
    """SiamRPN++'s neck: a 1x1 convolution with BatchNorm bringing every level to the head's channel count."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(self.conv(x))


def center_crop(x: torch.Tensor, size: int) -> torch.Tensor:
    """The central ``size x size`` window of a feature map (SiamRPN++ keeps 7x7 of the 15x15 template features:
    the centre carries the target, the border only padding and context); a map no larger is kept whole (AlexNet's
    6x6 template features, as SiamRPN correlated them)."""
    h, w = x.shape[-2:]
    if h <= size and w <= size:
        return x
    top, left = (h - size) // 2, (w - size) // 2
    return x[..., top:top + size, left:left + size]


def _conv_bn_relu(cin, cout, kernel):
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DepthwiseBranch(nn.Module):
    """One output branch of a depthwise RPN: 3x3 convolutions on each side, depthwise correlation, then a
    1x1-conv head to ``cout`` channels (7x7 template and 31x31 search -> 25x25)."""

    def __init__(self, channels: int, cout: int):
        super().__init__()
        self.conv_kernel = _conv_bn_relu(channels, channels, 3)
        self.conv_search = _conv_bn_relu(channels, channels, 3)
        self.head = nn.Sequential(_conv_bn_relu(channels, channels, 1), nn.Conv2d(channels, cout, 1))

    def forward(self, z, x):
        return self.head(xcorr_depthwise(self.conv_kernel(z), self.conv_search(x)))


class DepthwiseRPN(nn.Module):
    """Classification (``2k``: background scores of the k anchors, then foreground) and regression (``4k``: dx of
    the k anchors, then dy, dw, dh) for one level."""

    def __init__(self, channels: int, anchors: int):
        super().__init__()
        self.cls = DepthwiseBranch(channels, 2 * anchors)
        self.loc = DepthwiseBranch(channels, 4 * anchors)

    def forward(self, z, x):
        return self.cls(z, x), self.loc(z, x)


class MultiRPN(nn.Module):
    """Depthwise RPNs on several levels, fused with learned softmax weights (uniform at initialisation)."""

    def __init__(self, channels, anchors: int):
        super().__init__()
        self.rpns = nn.ModuleList(DepthwiseRPN(c, anchors) for c in channels)
        self.cls_weight = nn.Parameter(torch.zeros(len(channels)))
        self.loc_weight = nn.Parameter(torch.zeros(len(channels)))

    def forward(self, zs, xs):
        outs = [rpn(z, x) for rpn, z, x in zip(self.rpns, zs, xs)]
        wc, wl = F.softmax(self.cls_weight, 0), F.softmax(self.loc_weight, 0)
        cls = sum(w * c for w, (c, _) in zip(wc, outs))
        loc = sum(w * lo for w, (_, lo) in zip(wl, outs))
        return cls, loc
