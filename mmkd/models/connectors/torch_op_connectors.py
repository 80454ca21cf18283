"""Connectors without parameters: thin wrappers over torch operations, so that a mapping can
pool, resize, flatten or normalise a record before a loss."""
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .base_connector import BaseConnector

Size = Union[int, Sequence[int]]


@MODELS.register_module()
class PoolConnector(BaseConnector):
    """Adaptive pooling of a (B, C, H, W) map to ``output_size`` (1: global pooling).

    Args:
        output_size (int | tuple): target H x W. Defaults to 1.
        mode (str): ``'avg'`` (default) or ``'max'``.
        flatten (bool): flatten to (B, C·H·W) afterwards. Defaults to False.
    """

    def __init__(self, output_size: Size = 1, mode: str = 'avg', flatten: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if mode not in ('avg', 'max'):
            raise ValueError(f"PoolConnector.mode={mode!r} is not valid; choose 'avg' or 'max'")
        self.output_size, self.mode, self.flatten = output_size, mode, flatten

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        pool = F.adaptive_avg_pool2d if self.mode == 'avg' else F.adaptive_max_pool2d
        out = pool(feature, self.output_size)
        return out.flatten(1) if self.flatten else out


@MODELS.register_module()
class InterpolateConnector(BaseConnector):
    """``F.interpolate`` of a map to ``size`` (bilinear by default).

    Args:
        size (int | tuple): target H x W.
        mode (str): interpolation mode. Defaults to ``'bilinear'``.
    """

    def __init__(self, size: Size, mode: str = 'bilinear',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.size, self.mode = size, mode

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        align = False if self.mode in ('linear', 'bilinear', 'bicubic', 'trilinear') else None
        return F.interpolate(feature, size=self.size, mode=self.mode, align_corners=align)


@MODELS.register_module()
class FlattenConnector(BaseConnector):
    """``torch.flatten(x, start_dim)``: (B, C, H, W) -> (B, C·H·W) by default."""

    def __init__(self, start_dim: int = 1, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.start_dim = start_dim

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        return torch.flatten(feature, self.start_dim)


@MODELS.register_module()
class NormalizeConnector(BaseConnector):
    """``F.normalize(x, p, dim)``: each sample's features (dim 1) to unit L2 norm by default."""

    def __init__(self, p: float = 2.0, dim: int = 1, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.p, self.dim = p, dim

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        return F.normalize(feature, p=self.p, dim=self.dim)
