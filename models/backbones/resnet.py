"""ResNet backbones for SiamRPN++ (Li et al. 2019): layers 1-4 with total stride 8 (layer 2 strides, layers 3 and 4
dilate by 2 and 4 instead of striding), and the unpadded geometry SiamRPN++ relies on.

Why not torchvision's ResNet: its padded stem and padded stride-2 convolutions give 16/32 features and a 26x26
score map. Here the stem's 7x7 convolution and layer 2's strided 3x3 convolutions (main and shortcut) have no
padding, so a 127 crop gives 15x15 features, a 255 crop 31x31, and the RPN score map is 25x25. Dilated layers keep
their size with padding = dilation; the first block of a dilated layer uses half the dilation (its input comes
from a less dilated layer), as in SiamRPN++.
"""
import torch.nn as nn

from models.backbones.staged import StagedBackbone
from models.channels import GroupsConfig, stage_channels

STAGES = ("layer1", "layer2", "layer3", "layer4")
STRIDES = (1, 2, 1, 1)
DILATIONS = (1, 1, 2, 4)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions (ResNet-18/34 style)."""

    expansion = 1

    def __init__(self, cin, planes, stride, dilation, padding, shortcut):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, padding, dilation, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, dilation, dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = shortcut

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class Bottleneck(nn.Module):
    """1x1 - 3x3 - 1x1 with 4x expansion (ResNet-50 style)."""

    expansion = 4

    def __init__(self, cin, planes, stride, dilation, padding, shortcut):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, padding, dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = shortcut

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


VARIANTS = {
    # name: (block, blocks per layer, base output channels of layers 1-4)
    "resnet18": (BasicBlock, (2, 2, 2, 2), (64, 128, 256, 512)),
    "resnet50": (Bottleneck, (3, 4, 6, 3), (256, 512, 1024, 2048)),
}


def _make_layer(block, cin, cout, blocks, stride, dilation):
    planes = cout // block.expansion
    if stride > 1:
        # unpadded strided 3x3 on both paths: 31 -> 15 for the template, 63 -> 31 for the search crop
        shortcut = nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 0, bias=False), nn.BatchNorm2d(cout))
        first_dilation, first_padding = 1, 0
    else:
        shortcut = None if cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False),
                                                          nn.BatchNorm2d(cout))
        first_dilation = max(1, dilation // 2) if shortcut is not None else dilation
        first_padding = first_dilation
    layers = [block(cin, planes, stride, first_dilation, first_padding, shortcut)]
    layers += [block(cout, planes, 1, dilation, dilation, None) for _ in range(blocks - 1)]
    return nn.Sequential(*layers)


class ResNetBackbone(StagedBackbone):
    def __init__(self, variant: str = "resnet50", width: float = 1.0, channels=None,
                 groups: GroupsConfig | None = None, taps=None, outputs=("layer2", "layer3", "layer4"),
                 where: str = "model"):
        super().__init__()
        block, depths, base = VARIANTS[variant]
        counts = stage_channels(base, width, channels, groups, STAGES, where, multiple_of=block.expansion)
        stem = max(8, int(round(64 * width)))
        self.conv1 = nn.Conv2d(3, stem, 7, 2, 0, bias=False)  # unpadded: 127 -> 61, 255 -> 125
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = stem
        for name, cout, depth, stride, dilation in zip(STAGES, counts, depths, STRIDES, DILATIONS):
            setattr(self, name, _make_layer(block, cin, cout, depth, stride, dilation))
            cin = cout
        self.set_stages(STAGES, counts, outputs, groups, taps, where)

    def forward(self, x):
        return self.run_stages(self.maxpool(self.relu(self.bn1(self.conv1(x)))))
