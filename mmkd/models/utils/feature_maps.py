"""Tensor helpers for feature maps, shared by feature losses and connectors: spatial
alignment of a student and a teacher map, vectors as maps."""
from typing import Tuple

import torch
import torch.nn.functional as F


def pool_to_smaller(f_s: torch.Tensor, f_t: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Average-pool the larger of two (B, C, H, W) maps to the other's H x W, as the CIFAR
    benchmark code (RepDistiller, mdistiller) does for AT, NST, FT and VID. Channels may differ."""
    if f_s.dim() != 4 or f_t.dim() != 4:
        raise ValueError(f'feature maps must be (B, C, H, W), got {tuple(f_s.shape)} (student) '
                         f'and {tuple(f_t.shape)} (teacher)')
    if f_s.shape[0] != f_t.shape[0]:
        raise ValueError(f'student and teacher batches differ: {f_s.shape[0]} vs {f_t.shape[0]}')
    (hs, ws), (ht, wt) = f_s.shape[2:], f_t.shape[2:]
    if hs * ws > ht * wt:
        f_s = F.adaptive_avg_pool2d(f_s, (ht, wt))
    elif hs * ws < ht * wt:
        f_t = F.adaptive_avg_pool2d(f_t, (hs, ws))
    return f_s, f_t


def as_map(feature: torch.Tensor) -> torch.Tensor:
    """A (B, C) vector (e.g. a pooled feature) as a (B, C, 1, 1) map; maps pass unchanged."""
    return feature[:, :, None, None] if feature.dim() == 2 else feature


def resize_to(f: torch.Tensor, size) -> torch.Tensor:
    """Bilinear resize of a (B, C, H, W) map to ``size`` (a no-op when it already has it)."""
    if tuple(f.shape[2:]) == tuple(size):
        return f
    return F.interpolate(f, size=tuple(size), mode='bilinear', align_corners=False)
