"""A multi-layer perceptron backbone for vector inputs (synthetic studies, tabular data)."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmkd.registry import MODELS


@MODELS.register_module()
class MLP(BaseModule):
    """``Linear -> ReLU`` blocks on (B, in_channels) inputs, returned as a 1-tuple like
    mmpretrain backbones, so an ``ImageClassifier`` with ``neck=None`` and a ``LinearClsHead``
    (``in_channels=hidden_channels[-1]``) works on vectors. Block i is ``layers.i``.

    Args:
        in_channels (int): input features.
        hidden_channels (Sequence[int]): width of each block. Defaults to (256, ).
    """

    def __init__(self, in_channels: int, hidden_channels: Sequence[int] = (256, ),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        layers, width = [], in_channels
        for out in hidden_channels:
            layers.append(nn.Sequential(nn.Linear(width, out), nn.ReLU(inplace=True)))
            width = out
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.layers(x.flatten(1)), )
