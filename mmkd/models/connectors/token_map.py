"""Between transformers and CNNs: patch tokens as a feature map, and a feature map as tokens."""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base_connector import BaseConnector


def _size_pair(size) -> tuple:
    return (size, size) if isinstance(size, int) else tuple(size)


@MODELS.register_module()
class TokensToMap(BaseConnector):
    """A ViT's tokens (B, P + N, C) as a map (B, C', H', W'): the P prefix tokens (class,
    distillation) dropped, the N = g x g patch tokens laid out on their grid, resized to
    ``out_size`` (bilinear) and projected to ``out_channels`` (1x1 conv) when given. With it,
    any feature loss of mmkd compares an mmpretrain ViT/DeiT (a recorder on
    ``backbone.layers.<i>``) with a CNN's stage, either way: on the student side it shapes the
    student's tokens like the teacher's map; on the teacher side (no projection) it turns the
    teacher's tokens into a map for a CNN student's connector.

    Args:
        in_channels (int | 'auto'): C, the tokens' width.
        out_channels (int | 'auto', optional): C' (the compared map's channels); None keeps C.
        num_prefix_tokens (int): P: 1 for a ViT's class token, 2 for DeiT's class and
            distillation tokens, 0 for a Swin stage. Defaults to 1.
        out_size (int | tuple | 'auto', optional): (H', W'); None keeps (g, g).
    """

    shape_args = {'in_channels': 'input.channels', 'out_channels': 'target.channels',
                  'out_size': 'target.size'}

    def __init__(self, in_channels: int, out_channels: Optional[int] = None,
                 num_prefix_tokens: int = 1, out_size=None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if not isinstance(num_prefix_tokens, int) or num_prefix_tokens < 0:
            raise ValueError(f'TokensToMap.num_prefix_tokens must be an int >= 0, got '
                             f'{num_prefix_tokens!r}')
        self.num_prefix_tokens = num_prefix_tokens
        self.out_size = None if out_size is None else _size_pair(out_size)
        self.proj = nn.Conv2d(in_channels, out_channels, 1) \
            if out_channels is not None and out_channels != in_channels else None

    def forward_train(self, tokens: torch.Tensor) -> torch.Tensor:
        if tokens.dim() != 3:
            raise ValueError(f'TokensToMap needs tokens (B, N, C), got {tuple(tokens.shape)}')
        patches = tokens[:, self.num_prefix_tokens:]
        n = patches.size(1)
        g = math.isqrt(n)
        if g * g != n:
            raise ValueError(f'TokensToMap: {n} patch tokens after dropping '
                             f'{self.num_prefix_tokens} prefix tokens do not form a square grid; '
                             'check num_prefix_tokens')
        fmap = patches.transpose(1, 2).reshape(tokens.size(0), tokens.size(2), g, g)
        if self.out_size is not None and self.out_size != (g, g):
            fmap = F.interpolate(fmap, size=self.out_size, mode='bilinear', align_corners=False)
        return fmap if self.proj is None else self.proj(fmap)


@MODELS.register_module()
class MapToTokens(BaseConnector):
    """A CNN's map (B, C, H, W) as tokens (B, H' x W', C'): resized to the grid ``out_size``
    (bilinear) when given, flattened row by row, projected to ``out_channels`` (linear) when
    given, to compare with a transformer's patch tokens (without its prefix tokens: map those
    through ``TokensToMap`` or slice them in the recorder).

    Args:
        in_channels (int | 'auto'): C.
        out_channels (int | 'auto', optional): C' (the tokens' width); None keeps C.
        out_size (int | tuple, optional): the token grid (H', W'); None keeps (H, W).
    """

    shape_args = {'in_channels': 'input.channels', 'out_channels': 'target.channels'}

    def __init__(self, in_channels: int, out_channels: Optional[int] = None, out_size=None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.out_size = None if out_size is None else _size_pair(out_size)
        self.proj = nn.Linear(in_channels, out_channels) \
            if out_channels is not None and out_channels != in_channels else None

    def forward_train(self, fmap: torch.Tensor) -> torch.Tensor:
        if fmap.dim() != 4:
            raise ValueError(f'MapToTokens needs a map (B, C, H, W), got {tuple(fmap.shape)}')
        if self.out_size is not None and self.out_size != tuple(fmap.shape[2:]):
            fmap = F.interpolate(fmap, size=self.out_size, mode='bilinear', align_corners=False)
        tokens = fmap.flatten(2).transpose(1, 2)
        return tokens if self.proj is None else self.proj(tokens)
