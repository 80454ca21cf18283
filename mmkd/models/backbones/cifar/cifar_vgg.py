"""VGG with batch normalisation for CIFAR (vgg8, vgg11, vgg13, vgg16, vgg19)."""
from typing import Dict, List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from .tapped_backbone import TappedBackbone


def vgg_block(widths: List[int], in_channels: int, batch_norm: bool) -> nn.Sequential:
    """conv3x3(-BN)-ReLU per width, without the last ReLU (so the block ends pre-activation)."""
    layers = []
    for w in widths:
        layers.append(nn.Conv2d(in_channels, w, 3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(w))
        layers.append(nn.ReLU())
        in_channels = w
    return nn.Sequential(*layers[:-1])


@MODELS.register_module()
class CifarVGG(TappedBackbone):
    """VGG (Simonyan & Zisserman, 2015) for 32x32 inputs as defined by RepDistiller/mdistiller.

    Five blocks ``block0..4`` of 3x3 convolutions (with bias, then BN) with widths from
    ``arch_settings``; 2x2 max pooling after blocks 0, 1 and 2, and after block 3 only for
    64x64 inputs (the reference's Tiny-ImageNet rule); global pooling is left to the
    classifier's neck. ``vgg8`` is the benchmarks' one-conv-per-block variant.

    Taps: ``stem`` (block0 after its ReLU), ``stage1..4`` (blocks 1-4 after their ReLU) and
    ``stage1..4_pre`` (before it).

    Args:
        depth (int): 8, 11, 13, 16 or 19.
        batch_norm (bool): BN after every conv (the benchmarks' ``vgg*_bn``). Defaults to True.
    """
    arch_settings = {
        8: [[64], [128], [256], [512], [512]],
        11: [[64], [128], [256, 256], [512, 512], [512, 512]],
        13: [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]],
        16: [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
        19: [[64, 64], [128, 128], [256] * 4, [512] * 4, [512] * 4],
    }

    def __init__(self, depth: int, batch_norm: bool = True, init_cfg=None) -> None:
        if depth not in self.arch_settings:
            raise ValueError(f'CifarVGG.depth must be one of {sorted(self.arch_settings)}, '
                             f'got {depth!r}')
        cfg = self.arch_settings[depth]
        super().__init__(cfg[0][-1], [widths[-1] for widths in cfg[1:]], cfg[-1][-1], init_cfg)
        in_channels = 3
        for i, widths in enumerate(cfg):
            self.add_module(f'block{i}', vgg_block(widths, in_channels, batch_norm))
            in_channels = widths[-1]
        self.kaiming_init()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        pool_block3 = x.shape[2] == 64
        x = self.tap('stem', F.relu(self.block0(x)))
        for i, block in enumerate((self.block1, self.block2, self.block3, self.block4), 1):
            if i < 4 or pool_block3:
                x = F.max_pool2d(x, 2, 2)
            pre = self.tap(f'stage{i}_pre', block(x))
            x = self.tap(f'stage{i}', F.relu(pre))
        return (x, )

    def pre_relu_norms(self) -> Dict[str, str]:
        # a block ends with the BN of its last conv (none without batch_norm)
        return {f'stage{i}_pre': f'block{i}.{len(block) - 1}'
                for i, block in enumerate((self.block1, self.block2, self.block3, self.block4), 1)
                if isinstance(block[-1], nn.BatchNorm2d)}
