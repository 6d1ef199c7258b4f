"""A small fully convolutional backbone for correlation-filter trackers (DCFNet-style, Wang et al. 2017).

Why its own backbone: a DCF layer needs dense features at the crop's own resolution (stride 1), where AlexNet and
ResNet halve the map several times. Every stage is a 3x3 convolution with zero padding 1 (ReLU between stages, none
after the last), so a crop of odd side ``S`` gives ``S x S`` features whose centre cell is the crop's centre: a
quarter turn of the crop is then exactly a quarter turn of every map, and with C4 channel groups and
``init: rotation_tied`` the network starts exactly C4-equivariant. No BatchNorm: per-channel statistics would
break the tie between a field's orientation channels; a fixed input normalisation stands in for it.
"""
import torch
import torch.nn as nn

from models.backbones.staged import StagedBackbone
from models.channels import GroupsConfig, stage_channels

#: DCFNet's channel counts (two 3x3 stages of 32); ``width`` scales them
BASE_CHANNELS = (32, 32)
#: input normalisation of raw BGR 0..255 crops (ImageNet mean and spread, in BGR order)
INPUT_MEAN = (104.0, 117.0, 123.0)
INPUT_STD = 58.0


class ConvNetBackbone(StagedBackbone):
    def __init__(self, width: float = 1.0, channels=None, groups: GroupsConfig | None = None, taps=None,
                 outputs=None, where: str = "model"):
        super().__init__()
        base = BASE_CHANNELS if channels is None else tuple(channels)
        names = tuple(f"layer{i + 1}" for i in range(len(base)))
        counts = stage_channels(base, width, channels, groups, names, where)
        previous = 3
        for i, (name, count) in enumerate(zip(names, counts)):
            conv = nn.Conv2d(previous, count, 3, padding=1)
            last = i == len(names) - 1
            setattr(self, name, conv if last else nn.Sequential(conv, nn.ReLU(inplace=True)))
            previous = count
        self.register_buffer("mean", torch.tensor(INPUT_MEAN).view(1, 3, 1, 1), persistent=False)
        self.set_stages(names, counts, outputs or (names[-1],), groups, taps, where)

    def forward(self, x):
        return self.run_stages((x - self.mean) / INPUT_STD)
