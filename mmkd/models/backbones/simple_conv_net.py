"""A small plain CNN backbone for small images (the shipped digits data, tests)."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from mmkd.registry import MODELS


@MODELS.register_module()
class SimpleConvNet(BaseModule):
    """Stages of ``num_convs`` 3x3 conv-BN-ReLU blocks; every stage after the first halves the
    spatial size with a stride-2 first conv.

    Stage ``i`` is the module ``stages.i`` and its j-th block ``stages.i.j`` (with ``conv``,
    ``bn`` and ``activate`` inside), so recorders can tap any of them. The output is the tuple of
    the stages in ``out_indices``, as mmpretrain backbones return.

    Args:
        in_channels (int): image channels. Defaults to 1.
        widths (Sequence[int]): output channels of each stage. Defaults to (16, 32).
        num_convs (int): conv blocks per stage. Defaults to 1.
        out_indices (Sequence[int]): stages to return. Defaults to the last.
    """

    def __init__(self, in_channels: int = 1, widths: Sequence[int] = (16, 32), num_convs: int = 1,
                 out_indices: Sequence[int] = (-1, ), init_cfg=None) -> None:
        super().__init__(init_cfg)
        stages = []
        channels = in_channels
        for i, width in enumerate(widths):
            blocks = []
            for j in range(num_convs):
                stride = 2 if i > 0 and j == 0 else 1
                blocks.append(ConvModule(channels, width, 3, stride=stride, padding=1,
                                         norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU')))
                channels = width
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)
        self.out_indices = tuple(i % len(widths) for i in out_indices)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
