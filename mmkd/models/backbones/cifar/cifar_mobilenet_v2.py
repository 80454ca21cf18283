"""The CIFAR MobileNetV2 of the KD benchmarks (width 0.5, "mobile_half")."""
from typing import Tuple

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from .tapped_backbone import TappedBackbone


def conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int,
                 stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU())


class InvertedResidual(nn.Module):
    """1x1 expand (x t) - BN - ReLU - 3x3 depthwise - BN - ReLU - 1x1 project - BN, plus the
    identity when the stride is 1 and the width is kept (Sandler et al., 2018). The block
    ends without activation (linear bottleneck). Layers sit in ``conv`` as in the reference."""

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 expand_ratio: int) -> None:
        super().__init__()
        hidden = in_channels * expand_ratio
        self.use_res_connect = stride == 1 and in_channels == out_channels
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, hidden, 1, 1, 0, bias=False), nn.BatchNorm2d(hidden), nn.ReLU(),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU(),
            nn.Conv2d(hidden, out_channels, 1, 1, 0, bias=False), nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


@MODELS.register_module()
class CifarMobileNetV2(TappedBackbone):
    """MobileNetV2 for 32x32 inputs as defined by RepDistiller/mdistiller.

    A 3x3 stride-2 stem, seven groups of inverted residuals ``blocks.0..6`` with
    (t, c, n, s) = (1, 16, 1, 1), (t, 24, 2, 1), (t, 32, 3, 2), (t, 64, 4, 2), (t, 96, 3, 1),
    (t, 160, 3, 2), (t, 320, 1, 1), widths scaled by ``width_mult``, then a 1x1 conv to 1280
    channels (``conv2``). The benchmarks' "MobileNetV2" is t = 6, width 0.5 (the defaults).
    Unlike the ImageNet network, the second group keeps the resolution (stride 1), so a 32x32
    input ends at 2x2.

    Taps (the reference feature points): ``stem``; ``stage1`` after ``blocks.1``, ``stage2``
    after ``blocks.2``, ``stage3`` after ``blocks.4``, ``stage4`` after ``blocks.6``. Stages end
    with a linear bottleneck (no ReLU), so ``stage{i}_pre`` is the same tensor as ``stage{i}``.

    Args:
        expand_ratio (int): t. Defaults to 6.
        width_mult (float): channel multiplier. Defaults to 0.5.
    """
    settings = ((1, 16, 1, 1), (None, 24, 2, 1), (None, 32, 3, 2), (None, 64, 4, 2),
                (None, 96, 3, 1), (None, 160, 3, 2), (None, 320, 1, 1))
    tap_after = {1: 'stage1', 2: 'stage2', 4: 'stage3', 6: 'stage4'}

    def __init__(self, expand_ratio: int = 6, width_mult: float = 0.5, init_cfg=None) -> None:
        if width_mult <= 0:
            raise ValueError(f'CifarMobileNetV2.width_mult must be > 0, got {width_mult!r}')
        in_channels = int(32 * width_mult)
        last_channels = int(1280 * width_mult) if width_mult > 1.0 else 1280
        stem_channels, blocks, stage_channels = in_channels, [], []
        for i, (t, c, n, s) in enumerate(self.settings):
            out = int(c * width_mult)
            group = []
            for j in range(n):
                group.append(InvertedResidual(in_channels, out, s if j == 0 else 1,
                                              expand_ratio if t is None else t))
                in_channels = out
            blocks.append(nn.Sequential(*group))
            if i in self.tap_after:
                stage_channels.append(out)
        super().__init__(stem_channels, stage_channels, last_channels, init_cfg)
        self.conv1 = conv_bn_relu(3, stem_channels, 3, stride=2)
        self.blocks = nn.ModuleList(blocks)
        self.conv2 = conv_bn_relu(in_channels, last_channels, 1)
        self.kaiming_init()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        x = self.tap('stem', self.conv1(x))
        for i, group in enumerate(self.blocks):
            x = group(x)
            if i in self.tap_after:
                name = self.tap_after[i]
                x = self.tap(name, self.tap(name + '_pre', x))
        return (self.conv2(x), )
