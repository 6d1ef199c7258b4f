"""The two Siamese networks behind the trackers, with the model API every room relies on.

``template(z) -> zf``, ``search(x) -> xf``, ``head(zf, xf)`` and ``forward(z, x) == head(template(z),
search(x))``; ``kind``, ``total_stride`` and ``ien_taps`` (``model.named_modules()`` names of the tapped backbone
stages -> their :class:`ChannelGroups`). Each branch is split into ``features`` (raw backbone outputs at the
correlation levels, in the regular representation) and ``embed_template`` / ``embed_search`` (orientation pooling
when configured, neck), so a tracker can act on cached template features (rotate them) and embed them again
without re-encoding the image.
"""
import torch
import torch.nn as nn

from models.heads import AdjustLayer, MultiRPN, SiamFCHead, center_crop

CORRELATIONS = ("pooled", "regular")


class SiameseNet(nn.Module):
    total_stride = 8
    #: the layout training keeps weights and crops in: channels-last lets oneDNN (CPU) and cuDNN run convolution,
    #: BatchNorm and pooling (forward and backward) without converting every tensor to their native layout and
    #: back (1.3-1.6x faster AlexNet steps on the CPU)
    memory_format = torch.channels_last

    def __init__(self, backbone: nn.Module, correlation: str):
        super().__init__()
        if correlation not in CORRELATIONS:
            raise ValueError(f"correlation must be one of {CORRELATIONS}, got {correlation!r}")
        self.backbone = backbone
        self.correlation = correlation
        #: ChannelGroups (or None) of each correlation level, in the order of ``backbone.outputs``
        self.level_groups = [backbone.groups.get(name) for name in backbone.outputs]

    @property
    def ien_taps(self) -> dict:
        return {f"backbone.{name}": groups for name, groups in self.backbone.groups.items()}

    def level_channels(self, name: str) -> int:
        """Channels a correlation level has after the optional orientation pooling."""
        groups = self.backbone.groups.get(name)
        pooled = groups is not None and self.correlation == "pooled"
        return groups.pooled_channels if pooled else self.backbone.stage_channels[name]

    def features(self, images):
        return self.backbone(images)

    def _pool(self, feats):
        if self.correlation != "pooled":
            return list(feats)
        return [f if g is None else g.pool(f) for f, g in zip(feats, self.level_groups)]

    def template(self, z):
        return self.embed_template(self.features(z))

    def search(self, x):
        return self.embed_search(self.features(x))

    def forward(self, z, x):
        return self.head(self.template(z), self.search(x))


class SiamFCNet(SiameseNet):
    """Backbone features of the last level, cross-correlated: ``(B, 1, 17, 17)`` for 127/255 crops."""

    kind = "siamfc"

    def __init__(self, backbone: nn.Module, correlation: str = "pooled", scale: float = 0.001):
        super().__init__(backbone, correlation)
        self.score = SiamFCHead(scale)

    def embed_template(self, feats):
        return self._pool(feats)[-1]

    def embed_search(self, feats):
        return self._pool(feats)[-1]

    def head(self, zf, xf):
        return self.score(zf, xf)


class SiamRPNNet(SiameseNet):
    """SiamRPN++: per level a 1x1 adjust layer (template features cropped to the central 7x7), depthwise RPN
    heads, softmax-weighted fusion: ``cls (B, 2k, 25, 25)`` and ``loc (B, 4k, 25, 25)``."""

    kind = "siamrpn"
    template_crop = 7

    def __init__(self, backbone: nn.Module, correlation: str = "pooled", neck_channels: int = 256,
                 anchors: int = 5):
        super().__init__(backbone, correlation)
        self.anchor_num = anchors
        self.neck = nn.ModuleList(AdjustLayer(self.level_channels(name), neck_channels)
                                  for name in backbone.outputs)
        self.rpn = MultiRPN([neck_channels] * len(backbone.outputs), anchors)

    def embed_template(self, feats):
        return [center_crop(adjust(f), self.template_crop) for adjust, f in zip(self.neck, self._pool(feats))]

    def embed_search(self, feats):
        return [adjust(f) for adjust, f in zip(self.neck, self._pool(feats))]

    def head(self, zf, xf):
        return self.rpn(zf, xf)
