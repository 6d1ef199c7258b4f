"""Build a Siamese network from the ``model:`` section of a config.

Random initialisation (PyTorch defaults) unless ``backbone_weights`` names a local weights file for the backbone;
full-model checkpoints are loaded separately by :mod:`models.weights` (the trackers do that when given one).
"""
from dataclasses import dataclass
from typing import Optional

import torch.nn as nn

from core.errors import TrackingError
from models.backbones.alexnet import AlexNetBackbone
from models.backbones.convnet import ConvNetBackbone
from models.backbones.resnet import VARIANTS as RESNET_VARIANTS
from models.backbones.resnet import ResNetBackbone
from models.channels import GroupsConfig
from models.dcf import DCFNet, check_crop_size
from models.siamese import CORRELATIONS, SiamFCNet, SiamRPNNet

BACKBONES = ("alexnet", "convnet") + tuple(RESNET_VARIANTS)
KINDS = ("siamfc", "siamrpn", "dcf")
#: backbones whose stages are one convolution each, so ``rotation_tied`` can tie them stage by stage
TIEABLE = ("alexnet", "convnet")
INITS = ("default", "rotation_tied")


@dataclass
class ModelConfig:
    """The ``model:`` section.

    - ``kind``: ``siamfc``, ``siamrpn`` or ``dcf``; ``backbone``: ``alexnet``, ``convnet`` (stride 1, for ``dcf``),
      ``resnet18`` or ``resnet50``.
    - ``width``: multiplier of the backbone's channel counts (rounded to what the groups can split);
      ``channels``: explicit output channels per stage instead (AlexNet: 5 stages, ResNet: layers 1-4).
    - ``groups``: IEN channel groups of the tapped stages (``orders``, ``ratios``), absent for a plain network;
      ``taps``: which stages are tapped (default: all); ``correlation``: ``pooled`` (orientation-pooled features
      are correlated) or ``regular``.
    - ``levels``: backbone stages whose features are correlated (default: the last stage for SiamFC and for
      SiamRPN on AlexNet, layers 2-4 for SiamRPN++ on a ResNet); ``neck_channels`` and ``anchors`` (k) for
      SiamRPN; ``xcorr_scale`` for SiamFC.
    - ``backbone_weights``: optional local file with backbone weights (safetensors or a torch state dict).
    - ``init``: ``default`` (PyTorch's) or ``rotation_tied`` (AlexNet or ConvNet with groups: every field's
      orientation channels start as turned copies of one filter, see models/equivariance/tied_init.py).
    - ``dcf``: ``crop_size`` (odd side of both crops, pixels), ``dcf_lambda`` (the ridge regulariser) and
      ``label_sigma`` (the Gaussian label's spread, feature cells), see models/dcf.py.
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
    crop_size: int = 125
    dcf_lambda: float = 1e-2
    label_sigma: float = 4.0


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
    if cfg.kind == "siamrpn" and cfg.backbone == "convnet":
        raise TrackingError(f"{where}: kind siamrpn needs a strided backbone (alexnet, {', '.join(RESNET_VARIANTS)})")
    if (cfg.kind == "dcf") != (cfg.backbone == "convnet"):
        raise TrackingError(f"{where}: kind dcf and backbone convnet (stride 1) go together, got kind "
                            f"{cfg.kind!r} with backbone {cfg.backbone!r}")
    if cfg.kind == "dcf":
        check_crop_size(cfg.crop_size, where)
        if not cfg.dcf_lambda > 0 or not cfg.label_sigma > 0:
            raise TrackingError(f"{where}: dcf_lambda and label_sigma must be > 0")
    if cfg.kind in ("siamfc", "dcf") and cfg.levels is not None and len(cfg.levels) != 1:
        raise TrackingError(f"{where}.levels: {cfg.kind} correlates one stage, got {cfg.levels}")
    if cfg.init not in INITS:
        raise TrackingError(f"{where}.init: expected one of {', '.join(INITS)}, got {cfg.init!r}")
    if cfg.init == "rotation_tied" and (cfg.backbone not in TIEABLE or cfg.groups is None):
        raise TrackingError(f"{where}.init: rotation_tied needs groups and a backbone of one convolution per stage "
                            f"({', '.join(TIEABLE)})")
    if cfg.neck_channels < 1 or cfg.anchors < 1:
        raise TrackingError(f"{where}: neck_channels and anchors must be >= 1")


def build_backbone(cfg: ModelConfig, where: str = "model") -> nn.Module:
    common = dict(width=cfg.width, channels=cfg.channels, groups=cfg.groups, taps=cfg.taps, where=where)
    if cfg.backbone == "alexnet":
        backbone = AlexNetBackbone(outputs=tuple(cfg.levels or ("layer5",)), **common)
    elif cfg.backbone == "convnet":
        backbone = ConvNetBackbone(outputs=tuple(cfg.levels) if cfg.levels else None, **common)
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
    if cfg.kind == "dcf":
        return DCFNet(backbone, cfg.correlation, cfg.crop_size, cfg.dcf_lambda, cfg.label_sigma)
    return SiamRPNNet(backbone, cfg.correlation, cfg.neck_channels, cfg.anchors)
