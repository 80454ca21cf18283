"""A shallow exit of self-distillation: a bottleneck and a classifier on an inner stage."""
from typing import Optional

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from .base_connector import BaseConnector


@MODELS.register_module()
class ExitBranch(BaseConnector):
    """The shallow classifier that BYOT ("Be Your Own Teacher", Zhang et al., ICCV 2019)
    attaches to an inner stage: a bottleneck (1x1 conv to C/4, a k x k conv of stride k that
    brings the map to the deepest stage's size, 1x1 conv to C, each with BN and ReLU), global
    average pooling, and a linear classifier, as the authors' ResNet code.

    ``forward`` returns the exit's logits; the view ``features`` (``connector='NAME.features'``)
    returns the pooled bottleneck output (B, C), which BYOT pulls towards the deepest stage's
    pooled feature. Both come from one pass: the last input's outputs are kept.

    Args:
        in_channels (int): channels of the stage the exit reads.
        out_channels (int): C, the channels of the deepest feature.
        num_classes (int): classes of the classifier.
        downsample (int): k, the stride that matches the deepest map's size (1: none).
    """

    #: arguments that may be 'auto' (see ``mmkd/models/distillers/shape_inference.py``)
    shape_args = {'in_channels': 'input.channels'}

    views = ('features', )

    def __init__(self, in_channels: int, out_channels: int, num_classes: int,
                 downsample: int = 1, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        mid = max(out_channels // 4, 1)
        self.bottleneck = nn.Sequential(
            nn.Conv2d(in_channels, mid, 1), nn.BatchNorm2d(mid), nn.ReLU(),
            nn.Conv2d(mid, mid, downsample, stride=downsample), nn.BatchNorm2d(mid), nn.ReLU(),
            nn.Conv2d(mid, out_channels, 1), nn.BatchNorm2d(out_channels), nn.ReLU())
        self.fc = nn.Linear(out_channels, num_classes)
        self._last = None  # (input, features, logits) of the last call

    def _run(self, feature: torch.Tensor):
        if self._last is None or self._last[0] is not feature:
            pooled = self.bottleneck(feature).mean(dim=(2, 3))
            self._last = (feature, pooled, self.fc(pooled))
        return self._last

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        return self._run(feature)[2]

    def features(self, feature: torch.Tensor) -> torch.Tensor:
        """The pooled bottleneck output (B, C)."""
        return self._run(feature)[1]

    def train(self, mode: bool = True) -> 'ExitBranch':
        self._last = None  # a cached pass of the other mode must not be reused
        return super().train(mode)
