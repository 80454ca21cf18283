"""Distillation in the logit space: an intermediate feature projected to class logits."""
from typing import Optional

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from .base_connector import BaseConnector


@MODELS.register_module()
class LogitProjector(BaseConnector):
    """An intermediate feature of any architecture as class logits: a map (B, C, H, W)
    average-pooled, tokens (B, N, C) averaged (or their first, class, token taken), a vector
    (B, C) as it is; then a linear layer (with a hidden layer and GELU when ``hidden_channels``)
    to K classes. For teacher-student pairs whose features do not align (a ViT and a CNN), the
    student's stages are compared with the teacher in the space they share, its logits, in the
    spirit of OFA-KD (Hao et al., NeurIPS 2023); its exact projector (stage-specific blocks)
    and loss are not reproduced here: pair this with any logit loss (``KLDivergence``).

    Args:
        in_channels (int | 'auto'): C.
        num_classes (int | 'auto'): K (the teacher's logits).
        hidden_channels (int, optional): a hidden layer's width. Defaults to None.
        tokens (str): ``'mean'`` or ``'first'`` (the class token). Defaults to ``'mean'``.
    """

    shape_args = {'in_channels': 'input.channels', 'num_classes': 'target.channels'}

    def __init__(self, in_channels: int, num_classes: int, hidden_channels: Optional[int] = None,
                 tokens: str = 'mean', init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if tokens not in ('mean', 'first'):
            raise ValueError(f"LogitProjector.tokens must be 'mean' or 'first', got {tokens!r}")
        self.tokens = tokens
        self.head = nn.Linear(in_channels, num_classes) if hidden_channels is None else \
            nn.Sequential(nn.Linear(in_channels, hidden_channels), nn.GELU(),
                          nn.Linear(hidden_channels, num_classes))

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        if feature.dim() == 4:
            feature = feature.mean(dim=(2, 3))
        elif feature.dim() == 3:
            feature = feature.mean(dim=1) if self.tokens == 'mean' else feature[:, 0]
        return self.head(feature)
