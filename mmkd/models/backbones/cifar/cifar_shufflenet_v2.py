"""The CIFAR ShuffleNetV2 of the KD benchmarks ("ShuffleV2", net size 1)."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from .channel_shuffle import channel_shuffle
from .resnet_blocks import conv_bn
from .tapped_backbone import TappedBackbone


class ShuffleUnitV2(nn.Module):
    """Stride-1 unit: split channels in half; the second half goes 1x1-BN-ReLU, depthwise
    3x3-BN, 1x1-BN-ReLU; concatenate with the first half and shuffle (2 groups).

    Returns ``(out, pre)`` where ``pre`` is the concatenation *before* the last ReLU and
    *unshuffled*, as the reference returns it."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        half = channels // 2
        self.conv1, self.bn1 = conv_bn(half, half, 1)
        self.conv2, self.bn2 = conv_bn(half, half, 3, groups=half)
        self.conv3, self.bn3 = conv_bn(half, half, 1)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x1, x2 = x.chunk(2, dim=1)
        out = F.relu(self.bn1(self.conv1(x2)))
        pre = self.bn3(self.conv3(self.bn2(self.conv2(out))))
        return channel_shuffle(torch.cat([x1, F.relu(pre)], 1), 2), torch.cat([x1, pre], 1)


class DownUnitV2(nn.Module):
    """Stride-2 unit: left = depthwise 3x3/2-BN, 1x1-BN-ReLU; right = 1x1-BN-ReLU, depthwise
    3x3/2-BN, 1x1-BN-ReLU; concatenate and shuffle (2 groups)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        mid = out_channels // 2
        self.conv1, self.bn1 = conv_bn(in_channels, in_channels, 3, 2, groups=in_channels)
        self.conv2, self.bn2 = conv_bn(in_channels, mid, 1)
        self.conv3, self.bn3 = conv_bn(in_channels, mid, 1)
        self.conv4, self.bn4 = conv_bn(mid, mid, 3, 2, groups=mid)
        self.conv5, self.bn5 = conv_bn(mid, mid, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        left = F.relu(self.bn2(self.conv2(self.bn1(self.conv1(x)))))
        right = F.relu(self.bn3(self.conv3(x)))
        right = F.relu(self.bn5(self.conv5(self.bn4(self.conv4(right)))))
        return channel_shuffle(torch.cat([left, right], 1), 2)


@MODELS.register_module()
class CifarShuffleNetV2(TappedBackbone):
    """ShuffleNetV2 for 32x32 inputs as defined by RepDistiller/mdistiller.

    A 1x1 stem of 24 channels (no pooling), three stages ``layer1..3`` (a stride-2 unit then
    3, 7, 3 units) and a 1x1 conv-BN-ReLU (``conv2``/``bn2``). ``net_size`` picks the widths of
    the reference ``configs`` table; the benchmarks' "ShuffleV2" is net size 1 (116, 232, 464,
    1024). Taps: ``stem``, ``stage1..3``, ``stage1..3_pre`` (pre-ReLU and unshuffled, as the
    reference returns them).

    Args:
        net_size (float): 0.2, 0.3, 0.5, 1, 1.5 or 2. Defaults to 1.
    """
    arch_settings = {
        0.2: ((40, 80, 160, 512), (3, 3, 3)),
        0.3: ((40, 80, 160, 512), (3, 7, 3)),
        0.5: ((48, 96, 192, 1024), (3, 7, 3)),
        1: ((116, 232, 464, 1024), (3, 7, 3)),
        1.5: ((176, 352, 704, 1024), (3, 7, 3)),
        2: ((224, 488, 976, 2048), (3, 7, 3)),
    }

    def __init__(self, net_size: float = 1, init_cfg=None) -> None:
        if net_size not in self.arch_settings:
            raise ValueError(f'CifarShuffleNetV2.net_size must be one of '
                             f'{sorted(self.arch_settings)}, got {net_size!r}')
        widths, num_blocks = self.arch_settings[net_size]
        super().__init__(24, widths[:3], widths[3], init_cfg)
        self.conv1, self.bn1 = conv_bn(3, 24, 1)
        in_channels = 24
        for i, (c, n) in enumerate(zip(widths[:3], num_blocks), 1):
            units = [DownUnitV2(in_channels, c)] + [ShuffleUnitV2(c) for _ in range(n)]
            self.add_module(f'layer{i}', nn.Sequential(*units))
            in_channels = c
        self.conv2, self.bn2 = conv_bn(widths[2], widths[3], 1)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        x = self.tap('stem', self.stem(x))
        for i, stage in enumerate((self.layer1, self.layer2, self.layer3), 1):
            x = stage[0](x)
            for unit in stage[1:]:
                x, pre = unit(x)
            self.tap(f'stage{i}_pre', pre)
            x = self.tap(f'stage{i}', x)
        return (F.relu(self.bn2(self.conv2(x))), )
