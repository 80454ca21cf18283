"""Wide residual networks for CIFAR (wrn_16_1, wrn_16_2, wrn_40_1, wrn_40_2, ...)."""
from typing import Dict, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from .tapped_backbone import TappedBackbone


class WideBasicBlock(nn.Module):
    """Pre-activation block ``BN-ReLU-conv3x3-BN-ReLU-conv3x3`` plus shortcut.

    When the width changes, the shortcut is a 1x1 conv (``convShortcut``) of the *activated*
    input, as in Zagoruyko & Komodakis' code. Returns ``(out, bn1(x))``: ``bn1(x)`` is the
    pre-ReLU value of the block's input, i.e. of the previous stage's output for a stage's
    first block.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 drop_rate: float = 0.0) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.drop_rate = drop_rate
        self.equal_in_out = in_channels == out_channels
        self.convShortcut = None if self.equal_in_out else nn.Conv2d(
            in_channels, out_channels, 1, stride, 0, bias=False)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        pre = self.bn1(x)
        act = F.relu(pre)
        out = F.relu(self.bn2(self.conv1(act)))
        if self.drop_rate > 0:
            out = F.dropout(out, p=self.drop_rate, training=self.training)
        out = self.conv2(out)
        shortcut = x if self.equal_in_out else self.convShortcut(act)
        return shortcut + out, pre


class _Stage(nn.Module):
    """Holds the blocks as ``layer`` so keys read ``block{i}.layer.{j}`` as in the reference."""

    def __init__(self, blocks) -> None:
        super().__init__()
        self.layer = nn.Sequential(*blocks)


@MODELS.register_module()
class CifarWRN(TappedBackbone):
    """Wide ResNet-depth-k for 32x32 inputs (Zagoruyko & Komodakis, 2016), as in RepDistiller.

    A 3x3 stem of 16 channels, three stages (``block1..3``) of ``n = (depth - 4) / 6``
    pre-activation blocks with 16k, 32k, 64k channels at strides 1, 2, 2, then BN-ReLU
    (``bn1``). Taps: ``stem`` (the stem conv), ``stage1..3`` (stage outputs; these blocks add
    before activating, so they are sums) and ``stage1..3_pre`` (the BN applied to that output
    before the next ReLU: ``block2.layer.0.bn1``, ``block3.layer.0.bn1`` and the final
    ``bn1``, the points OFD reads). The reference computes those BNs a second time to return
    them; here they are tapped where the forward pass computes them, so BN statistics are
    updated once per step. Global pooling is left to the classifier's neck.

    Args:
        depth (int): 6n + 4, e.g. 16 or 40.
        widen_factor (int): k. Defaults to 1.
        drop_rate (float): dropout between the two convs of a block. Defaults to 0.
    """

    def __init__(self, depth: int, widen_factor: int = 1, drop_rate: float = 0.0,
                 init_cfg=None) -> None:
        if not isinstance(depth, int) or depth < 10 or (depth - 4) % 6:
            raise ValueError(f'CifarWRN.depth must be 6n + 4 (n >= 1), e.g. 16 or 40; '
                             f'got {depth!r}')
        if not isinstance(widen_factor, int) or widen_factor < 1:
            raise ValueError(f'CifarWRN.widen_factor must be a positive int, got {widen_factor!r}')
        n = (depth - 4) // 6
        widths = (16, 16 * widen_factor, 32 * widen_factor, 64 * widen_factor)
        super().__init__(16, widths[1:], widths[3], init_cfg)
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        for i, stride in enumerate((1, 2, 2), 1):
            blocks = [WideBasicBlock(widths[i - 1] if j == 0 else widths[i], widths[i],
                                     stride if j == 0 else 1, drop_rate) for j in range(n)]
            self.add_module(f'block{i}', _Stage(blocks))
        self.bn1 = nn.BatchNorm2d(widths[3])
        self.kaiming_init()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        x = self.tap('stem', self.conv1(x))
        stages = (self.block1, self.block2, self.block3)
        for i, stage in enumerate(stages, 1):
            for j, block in enumerate(stage.layer):
                x, pre = block(x)
                if i > 1 and j == 0:
                    self.tap(f'stage{i - 1}_pre', pre)
            x = self.tap(f'stage{i}', x)
        pre = self.tap('stage3_pre', self.bn1(x))
        return (F.relu(pre), )

    def pre_relu_norms(self) -> Dict[str, str]:
        # pre-activation blocks: a stage's end is normalised by the next block's first BN
        return {'stage1_pre': 'block2.layer.0.bn1', 'stage2_pre': 'block3.layer.0.bn1',
                'stage3_pre': 'bn1'}
