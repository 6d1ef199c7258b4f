"""Build a Siamese network from the ``model:`` section of a config.

Random initialisation (PyTorch defaults) unless ``backbone_weights`` names a local weights file for the backbone;
full-model checkpoints are loaded separately by :mod:`models.weights` (the trackers do that when given one).
"""
from dataclasses import dataclass
from typing import Optional

import torch.nn as nn

from core.errors import TrackingError
from models.backbones.alexnet import AlexNetBackbone
from models.backbones.resnet import VARIANTS as RESNET_VARIANTS
from models.backbones.resnet import ResNetBackbone
from models.channels import GroupsConfig
from models.siamese import CORRELATIONS, SiamFCNet, SiamRPNNet

BACKBONES = ("alexnet",) + tuple(RESNET_VARIANTS)
KINDS = ("siamfc", "siamrpn")
INITS = ("default", "rotation_tied")


@dataclass
class ModelConfig:
    """The ``model:`` section.

    - ``kind``: ``siamfc`` or ``siamrpn``; ``backbone``: ``alexnet``, ``resnet18`` or ``resnet50``.
    - ``width``: multiplier of the backbone's channel counts (rounded to what the groups can split);
      ``channels``: explicit output channels per stage instead (AlexNet: 5 stages, ResNet: layers 1-4).
    - ``groups``: IEN channel groups of the tapped stages (``orders``, ``ratios``), absent for a plain network;
      ``taps``: which stages are tapped (default: all); ``correlation``: ``pooled`` (orientation-pooled features
      are correlated) or ``regular``.
    - ``levels``: backbone stages whose features are correlated (default: the last stage for SiamFC, layers 2-4
      for SiamRPN++); ``neck_channels`` and ``anchors`` (k) for SiamRPN++; ``xcorr_scale`` for SiamFC.
    - ``backbone_weights``: optional local file with backbone weights (safetensors or a torch state dict).
    - ``init``: ``default`` (PyTorch's) or ``rotation_tied`` (AlexNet with homogeneous groups: every field's
      orientation channels start as turned copies of one filter, see models/equivariance/tied_init.py).
    """

    kind: str = "siamfc"
    backbone: str = "alexnet"
    width: float = 1.0
    channels: Optional[list[int]] = None
    groups: Optional[GroupsConfig] = None
    taps: Optional[list[str]] = None
    correlation: str = "pooled"
    levels: Optional[list[str]] = None
    neck_channels: int = 256
    anchors: int = 5
    xcorr_scale: float = 0.001
    backbone_weights: Optional[str] = None
    init: str = "default"


def _check(cfg: ModelConfig, where: str):
    if cfg.kind not in KINDS:
        raise TrackingError(f"{where}.kind: expected one of {', '.join(KINDS)}, got {cfg.kind!r}")
    if cfg.backbone not in BACKBONES:
        raise TrackingError(f"{where}.backbone: expected one of {', '.join(BACKBONES)}, got {cfg.backbone!r}")
    if cfg.correlation not in CORRELATIONS:
        raise TrackingError(f"{where}.correlation: expected one of {', '.join(CORRELATIONS)}, "
                            f"got {cfg.correlation!r}")
    if cfg.kind == "siamfc" and cfg.backbone != "alexnet":
        raise TrackingError(f"{where}: kind siamfc is built on backbone alexnet (its 17x17 geometry), "
                            f"got {cfg.backbone!r}")
    if cfg.kind == "siamrpn" and cfg.backbone == "alexnet":
        raise TrackingError(f"{where}: kind siamrpn needs a ResNet backbone ({', '.join(RESNET_VARIANTS)})")
    if cfg.kind == "siamfc" and cfg.levels is not None and len(cfg.levels) != 1:
        raise TrackingError(f"{where}.levels: SiamFC correlates one stage, got {cfg.levels}")
    if cfg.init not in INITS:
        raise TrackingError(f"{where}.init: expected one of {', '.join(INITS)}, got {cfg.init!r}")
    if cfg.init == "rotation_tied" and (cfg.backbone != "alexnet" or cfg.groups is None):
        raise TrackingError(f"{where}.init: rotation_tied needs backbone alexnet with groups")
    if cfg.neck_channels < 1 or cfg.anchors < 1:
        raise TrackingError(f"{where}: neck_channels and anchors must be >= 1")


def build_backbone(cfg: ModelConfig, where: str = "model") -> nn.Module:
    common = dict(width=cfg.width, channels=cfg.channels, groups=cfg.groups, taps=cfg.taps, where=where)
    if cfg.backbone == "alexnet":
        backbone = AlexNetBackbone(outputs=tuple(cfg.levels or ("layer5",)), **common)
    else:
        backbone = ResNetBackbone(cfg.backbone, outputs=tuple(cfg.levels or ("layer2", "layer3", "layer4")),
                                  **common)
    unknown = [name for name in backbone.outputs if name not in backbone.stage_names]
    if unknown:
        raise TrackingError(f"{where}.levels: unknown stage(s) {', '.join(unknown)}; "
                            f"valid: {', '.join(backbone.stage_names)}")
    if cfg.init == "rotation_tied":
        from models.equivariance.tied_init import tie_rotations

        tie_rotations(backbone, {name: next(m for m in getattr(backbone, name).modules() if isinstance(m, nn.Conv2d))
                                 for name in backbone.stage_names})
    if cfg.backbone_weights:
        from models.weights import load_backbone_weights

        load_backbone_weights(backbone, cfg.backbone_weights)
    return backbone


def build_model(cfg: ModelConfig, where: str = "model") -> nn.Module:
    """The network described by ``cfg`` (random initialisation), on the CPU; move it with ``.to(device)``."""
    _check(cfg, where)
    backbone = build_backbone(cfg, where)
    if cfg.kind == "siamfc":
        return SiamFCNet(backbone, cfg.correlation, cfg.xcorr_scale)
    return SiamRPNNet(backbone, cfg.correlation, cfg.neck_channels, cfg.anchors)
