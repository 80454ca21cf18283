"""ReviewKD's attention-based fusion of student stages, deepest first."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError
from ..utils.feature_maps import as_map
from .base_connector import BaseConnector


class AttentionBasedFusion(nn.Module):
    """One level of the review: 1x1 conv-BN to ``mid`` channels, fused with the residual from
    the deeper level by two per-pixel attention weights (a 1x1 conv over both, sigmoid),
    resized (nearest) to the teacher's size, then 3x3 conv-BN to the teacher's channels.
    Returns (output, residual for the next, shallower level)."""

    def __init__(self, in_channels: int, mid_channels: int, out_channels: int, fuse: bool) -> None:
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(in_channels, mid_channels, 1, bias=False),
                                   nn.BatchNorm2d(mid_channels))
        self.conv2 = nn.Sequential(nn.Conv2d(mid_channels, out_channels, 3, padding=1, bias=False),
                                   nn.BatchNorm2d(out_channels))
        self.att_conv = nn.Sequential(nn.Conv2d(2 * mid_channels, 2, 1), nn.Sigmoid()) \
            if fuse else None
        nn.init.kaiming_uniform_(self.conv1[0].weight, a=1)
        nn.init.kaiming_uniform_(self.conv2[0].weight, a=1)

    def forward(self, x: torch.Tensor, residual: Optional[torch.Tensor],
                out_size: Tuple[int, int]) -> Tuple[torch.Tensor, torch.Tensor]:
        x = self.conv1(x)
        if self.att_conv is not None:
            residual = F.interpolate(residual, size=x.shape[2:], mode='nearest')
            att = self.att_conv(torch.cat([x, residual], dim=1))
            x = x * att[:, 0:1] + residual * att[:, 1:2]
        if tuple(x.shape[2:]) != tuple(out_size):
            x = F.interpolate(x, size=tuple(out_size), mode='nearest')
        return self.conv2(x), x


@MODELS.register_module()
class ReviewKDFusion(BaseConnector):
    """The review mechanism of ReviewKD (Chen et al., CVPR 2021, "Distilling Knowledge via
    Knowledge Review"): each student level is fused with all deeper ones before it is compared
    with the teacher's level of the same depth.

    Input: a tuple of student records, shallow to deep (a mapping with ``recorder=[...]`` and
    this one connector); the last is usually the pooled feature (B, C), taken as a 1x1 map.
    Going from the deepest level up, level *i* is ``ABF_i(F_i, residual_{i+1})`` (see
    :class:`AttentionBasedFusion`); the deepest does not fuse. Output: the tuple of fused maps,
    shallow to deep, each with the teacher's channels and size, for :class:`HCLLoss`.

    As mdistiller's CIFAR implementation: ``mid_channels = min(512, in_channels[-1])``, nearest
    resizing, Kaiming-uniform (a=1) convs. Where mdistiller takes the input sizes from the
    config (``SHAPES``), they are read from the inputs here, and non-square maps work.

    Args:
        in_channels (list[int]): student channels per level, shallow to deep.
        out_channels (list[int]): teacher channels per level.
        out_sizes (list[int | tuple], optional): teacher H (x W) per level; None keeps each
            level at the student's size.
        mid_channels (int, optional): width of the fusion; default as above.
    """

    #: arguments that may be 'auto' (see ``mmkd/models/distillers/shape_inference.py``)
    shape_args = {'in_channels': 'input.channels', 'out_channels': 'target.channels',
                  'out_sizes': 'target.size'}

    def __init__(self, in_channels: Sequence[int], out_channels: Sequence[int],
                 out_sizes: Optional[Sequence] = None, mid_channels: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        n = len(in_channels)
        if n == 0 or len(out_channels) != n or (out_sizes is not None and len(out_sizes) != n):
            raise KDConfigError(
                'ReviewKDFusion: in_channels, out_channels (and out_sizes) need one entry per '
                f'level, got {list(in_channels)}, {list(out_channels)}, {out_sizes}')
        mid = min(512, in_channels[-1]) if mid_channels is None else mid_channels
        self.out_sizes = None if out_sizes is None else [
            (s, s) if isinstance(s, int) else tuple(s) for s in out_sizes]
        self.levels = nn.ModuleList(
            AttentionBasedFusion(c_in, mid, c_out, fuse=i < n - 1)
            for i, (c_in, c_out) in enumerate(zip(in_channels, out_channels)))

    def forward_train(self, features: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        if isinstance(features, torch.Tensor) or len(features) != len(self.levels):
            raise ValueError(f'ReviewKDFusion takes a tuple of {len(self.levels)} student '
                             'records (recorder=[...] in the mapping), shallow to deep')
        maps: List[torch.Tensor] = [as_map(f) for f in features]
        outputs: List[Optional[torch.Tensor]] = [None] * len(maps)
        residual = None
        for i in reversed(range(len(maps))):
            size = maps[i].shape[2:] if self.out_sizes is None else self.out_sizes[i]
            outputs[i], residual = self.levels[i](maps[i], residual, size)
        return tuple(outputs)
