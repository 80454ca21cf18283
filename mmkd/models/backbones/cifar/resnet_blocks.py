"""Residual blocks shared by the CIFAR ResNets (3-stage and ImageNet-layout)."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
            groups: int = 1) -> Tuple[nn.Conv2d, nn.BatchNorm2d]:
    conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2,
                     groups=groups, bias=False)
    return conv, nn.BatchNorm2d(out_channels)


class _ResidualBlock(nn.Module):
    """``relu(branch(x) + shortcut(x))``, returning the sum before the ReLU as well.

    The projection shortcut (1x1 conv + BN, when the stride or the width changes) is stored
    under ``shortcut_name``: ``downsample`` in the 3-stage CIFAR ResNets, ``shortcut`` in the
    ImageNet-layout ones, as in the reference checkpoints.
    """
    expansion = 1

    def add_shortcut(self, in_channels: int, planes: int, stride: int,
                     shortcut_name: str) -> None:
        self.shortcut_name = shortcut_name
        out = planes * self.expansion
        shortcut = nn.Sequential(*conv_bn(in_channels, out, 1, stride)) \
            if stride != 1 or in_channels != out else None
        self.add_module(shortcut_name, shortcut)

    def branch(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        shortcut = getattr(self, self.shortcut_name)
        pre = self.branch(x) + (x if shortcut is None else shortcut(x))
        return F.relu(pre), pre


class BasicBlock(_ResidualBlock):
    """Two 3x3 convolutions."""
    expansion = 1
    last_norm = 'bn2'

    def __init__(self, in_channels: int, planes: int, stride: int = 1,
                 shortcut_name: str = 'downsample') -> None:
        super().__init__()
        self.conv1, self.bn1 = conv_bn(in_channels, planes, 3, stride)
        self.conv2, self.bn2 = conv_bn(planes, planes, 3)
        self.add_shortcut(in_channels, planes, stride, shortcut_name)

    def branch(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))


class Bottleneck(_ResidualBlock):
    """1x1 reduce, 3x3 (strided), 1x1 expand by 4."""
    expansion = 4
    last_norm = 'bn3'

    def __init__(self, in_channels: int, planes: int, stride: int = 1,
                 shortcut_name: str = 'downsample') -> None:
        super().__init__()
        self.conv1, self.bn1 = conv_bn(in_channels, planes, 1)
        self.conv2, self.bn2 = conv_bn(planes, planes, 3, stride)
        self.conv3, self.bn3 = conv_bn(planes, planes * 4, 1)
        self.add_shortcut(in_channels, planes, stride, shortcut_name)

    def branch(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return self.bn3(self.conv3(x))


def make_stage(block: type, in_channels: int, planes: int, num_blocks: int, stride: int,
               shortcut_name: str) -> nn.Sequential:
    """``num_blocks`` blocks, the first one strided."""
    blocks = []
    for i in range(num_blocks):
        blocks.append(block(in_channels, planes, stride if i == 0 else 1, shortcut_name))
        in_channels = planes * block.expansion
    return nn.Sequential(*blocks)
