"""The 3-stage CIFAR ResNets of the KD benchmarks (resnet8 ... resnet110, resnet8x4, resnet32x4)."""
from typing import Dict, Sequence, Tuple

import torch

from mmkd.registry import MODELS
from .resnet_blocks import BasicBlock, Bottleneck, conv_bn, make_stage
from .tapped_backbone import TappedBackbone

BLOCKS = {'basic': (BasicBlock, 6), 'bottleneck': (Bottleneck, 9)}


class _ResidualBackbone(TappedBackbone):
    """3x3 stem ``conv1``/``bn1``, then stages ``layer1..`` of residual blocks, He-initialised."""

    def __init__(self, block_cls: type, stem_channels: int, planes: Sequence[int],
                 num_blocks: Sequence[int], strides: Sequence[int], shortcut_name: str,
                 init_cfg) -> None:
        expansion = block_cls.expansion
        super().__init__(stem_channels, [p * expansion for p in planes], planes[-1] * expansion,
                         init_cfg)
        self.conv1, self.bn1 = conv_bn(3, stem_channels, 3)
        in_channels = stem_channels
        for i, (p, n, stride) in enumerate(zip(planes, num_blocks, strides), 1):
            self.add_module(f'layer{i}',
                            make_stage(block_cls, in_channels, p, n, stride, shortcut_name))
            in_channels = p * expansion
        self.stages = tuple(getattr(self, f'layer{i}') for i in range(1, len(planes) + 1))
        self.kaiming_init()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.forward_stages(x, self.stages), )

    def pre_relu_norms(self) -> Dict[str, str]:
        # the last block's last BN (its shortcut is the identity)
        return {f'stage{i}_pre': f'layer{i}.{len(stage) - 1}.{stage[-1].last_norm}'
                for i, stage in enumerate(self.stages, 1)}


@MODELS.register_module()
class CifarResNet(_ResidualBackbone):
    """ResNet for 32x32 inputs (He et al., 2016, Sec. 4.2) as defined by RepDistiller/mdistiller.

    A 3x3 stem of ``widths[0]`` channels, then three stages of ``n`` blocks with ``widths[1:]``
    channels at strides 1, 2, 2; ``depth = 6n + 2`` (basic blocks) or ``9n + 2`` (bottlenecks).
    The benchmark networks are ``resnet{8,14,20,32,44,56,110}`` (widths 16, 16, 32, 64) and
    ``resnet8x4`` / ``resnet32x4`` (widths 32, 64, 128, 256). Module names follow the reference
    definition (``conv1``, ``bn1``, ``layer{i}.{j}.conv1``, ``downsample``), so its checkpoints
    load after ``tools/model_converters/mdistiller_to_mmkd.py``.

    Differs from the reference: the final ``AvgPool2d(8)`` is left to the classifier's global
    average pooling neck (the same on 32x32 inputs, and defined for other sizes); ReLUs are not
    in place, so taps keep their values.

    Taps: ``stem``, ``stage1..3`` and ``stage1..3_pre`` (see :class:`TappedBackbone`).

    Args:
        depth (int): number of layers, 6n + 2 for basic blocks, 9n + 2 for bottlenecks.
        widths (Sequence[int]): stem and stage widths. Defaults to (16, 16, 32, 64).
        block (str): ``'basic'`` or ``'bottleneck'``. Defaults to ``'basic'``.
    """

    def __init__(self, depth: int, widths: Sequence[int] = (16, 16, 32, 64),
                 block: str = 'basic', init_cfg=None) -> None:
        if block not in BLOCKS:
            raise ValueError(f'CifarResNet.block must be one of {sorted(BLOCKS)}, got {block!r}')
        block_cls, per_block = BLOCKS[block]
        if not isinstance(depth, int) or depth < per_block + 2 or (depth - 2) % per_block:
            raise ValueError(f'CifarResNet.depth must be {per_block}n + 2 (n >= 1) for {block} '
                             f'blocks, e.g. {per_block + 2} or {3 * per_block + 2}; got {depth!r}')
        if len(widths) != 4:
            raise ValueError(f'CifarResNet.widths must give 4 numbers (stem and 3 stages), '
                             f'got {widths!r}')
        n = (depth - 2) // per_block
        super().__init__(block_cls, widths[0], widths[1:], (n, ) * 3, (1, 2, 2), 'downsample',
                         init_cfg)


@MODELS.register_module()
class CifarImageNetResNet(_ResidualBackbone):
    """The ImageNet-layout ResNet on 32x32 inputs used as a CIFAR teacher ("ResNet50").

    A 3x3 stride-1 stem of 64 channels (no max pooling), then four stages of 64, 128, 256, 512
    planes at strides 1, 2, 2, 2, as in the reference ``resnetv2.py`` of RepDistiller/mdistiller
    (post-activation blocks despite the file name). Depth 18 and 34 use basic blocks, 50, 101
    and 152 bottlenecks. Projection shortcuts are named ``shortcut`` as in the reference
    checkpoints. Taps: ``stem``, ``stage1..4``, ``stage1..4_pre``.

    Args:
        depth (int): 18, 34, 50, 101 or 152. Defaults to 50.
    """
    arch_settings = {18: ('basic', (2, 2, 2, 2)), 34: ('basic', (3, 4, 6, 3)),
                     50: ('bottleneck', (3, 4, 6, 3)), 101: ('bottleneck', (3, 4, 23, 3)),
                     152: ('bottleneck', (3, 8, 36, 3))}

    def __init__(self, depth: int = 50, init_cfg=None) -> None:
        if depth not in self.arch_settings:
            raise ValueError(f'CifarImageNetResNet.depth must be one of '
                             f'{sorted(self.arch_settings)}, got {depth!r}')
        block, num_blocks = self.arch_settings[depth]
        super().__init__(BLOCKS[block][0], 64, (64, 128, 256, 512), num_blocks, (1, 2, 2, 2),
                         'shortcut', init_cfg)
