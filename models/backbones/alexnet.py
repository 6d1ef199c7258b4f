"""AlexNet-style SiamFC backbone (Bertinetto et al. 2016, with BatchNorm), stride 8, no padding.

Shapes: a 127 crop gives 6x6 features and a 255 crop 22x22, so the SiamFC response is 17x17. The last stage is a
plain convolution (no BatchNorm, no ReLU) as in SiamFC, so correlation sees signed features.
"""
import torch.nn as nn

from models.backbones.staged import StagedBackbone
from models.channels import GroupsConfig, stage_channels

#: AlexNet's channel counts; the ``width`` multiplier scales them
BASE_CHANNELS = (96, 256, 384, 384, 256)
STAGES = ("layer1", "layer2", "layer3", "layer4", "layer5")


def _conv_bn_relu(cin, cout, kernel, pool: bool, stride: int = 1):
    layers = [nn.Conv2d(cin, cout, kernel, stride, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    if pool:
        layers.append(nn.MaxPool2d(3, 2))
    return nn.Sequential(*layers)


class AlexNetBackbone(StagedBackbone):
    def __init__(self, width: float = 1.0, channels=None, groups: GroupsConfig | None = None, taps=None,
                 outputs=("layer5",), where: str = "model"):
        super().__init__()
        counts = stage_channels(BASE_CHANNELS, width, channels, groups, STAGES, where)
        c1, c2, c3, c4, c5 = counts
        self.layer1 = _conv_bn_relu(3, c1, 11, pool=True, stride=2)
        self.layer2 = _conv_bn_relu(c1, c2, 5, pool=True)
        self.layer3 = _conv_bn_relu(c2, c3, 3, pool=False)
        self.layer4 = _conv_bn_relu(c3, c4, 3, pool=False)
        self.layer5 = nn.Conv2d(c4, c5, 3)
        self.set_stages(STAGES, counts, outputs, groups, taps, where)

    def forward(self, x):
        return self.run_stages(x)
