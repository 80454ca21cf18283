"""The CIFAR ShuffleNetV1 of the KD benchmarks ("ShuffleV1")."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from .channel_shuffle import channel_shuffle
from .tapped_backbone import TappedBackbone


class ShuffleUnitV1(nn.Module):
    """Grouped 1x1 - BN - ReLU - shuffle - depthwise 3x3 - BN - ReLU - grouped 1x1 - BN, then
    add the input (stride 1) or concatenate its 3x3 average pool (stride 2), then ReLU.
    Returns ``(out, pre-ReLU)``. As in the reference, the first 1x1 conv is not grouped when
    the input is the 24-channel stem."""

    def __init__(self, in_channels: int, out_channels: int, stride: int, groups: int) -> None:
        super().__init__()
        self.stride = stride
        mid = out_channels // 4
        self.first_groups = 1 if in_channels == 24 else groups
        self.conv1 = nn.Conv2d(in_channels, mid, 1, groups=self.first_groups, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = nn.Conv2d(mid, out_channels, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        out = channel_shuffle(F.relu(self.bn1(self.conv1(x))), self.first_groups)
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.stride == 2:
            pre = torch.cat([out, F.avg_pool2d(x, 3, 2, 1)], 1)
        else:
            pre = out + x
        return F.relu(pre), pre


@MODELS.register_module()
class CifarShuffleNetV1(TappedBackbone):
    """ShuffleNetV1 for 32x32 inputs as defined by RepDistiller/mdistiller.

    A 1x1 stem of 24 channels (no pooling), then three stages ``layer1..3`` of 4, 8, 4 units
    with 240, 480, 960 output channels and 3 groups; each stage starts with a stride-2 unit.
    Taps: ``stem``, ``stage1..3``, ``stage1..3_pre``.

    Args:
        out_channels (Sequence[int]): stage widths. Defaults to (240, 480, 960).
        num_blocks (Sequence[int]): units per stage. Defaults to (4, 8, 4).
        groups (int): groups of the 1x1 convolutions. Defaults to 3.
    """

    def __init__(self, out_channels: Sequence[int] = (240, 480, 960),
                 num_blocks: Sequence[int] = (4, 8, 4), groups: int = 3, init_cfg=None) -> None:
        if len(out_channels) != 3 or len(num_blocks) != 3:
            raise ValueError(f'CifarShuffleNetV1 needs 3 stages: out_channels={out_channels!r}, '
                             f'num_blocks={num_blocks!r}')
        super().__init__(24, out_channels, out_channels[-1], init_cfg)
        self.conv1 = nn.Conv2d(3, 24, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(24)
        in_channels = 24
        for i, (c, n) in enumerate(zip(out_channels, num_blocks), 1):
            # the stride-2 unit concatenates its input, so its own branch makes c - in channels
            units = [ShuffleUnitV1(in_channels, c - in_channels, 2, groups)]
            units += [ShuffleUnitV1(c, c, 1, groups) for _ in range(n - 1)]
            self.add_module(f'layer{i}', nn.Sequential(*units))
            in_channels = c

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.forward_stages(x, (self.layer1, self.layer2, self.layer3)), )
