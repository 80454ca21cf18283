"""What the feature losses share: one pair or several pairs of maps, and spatial alignment."""
from typing import Callable, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

Maps = Union[torch.Tensor, Sequence[torch.Tensor]]


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


def sum_over_pairs(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], preds_S: Maps,
                   preds_T: Maps, loss: str) -> torch.Tensor:
    """``fn(s, t)`` for one pair of maps, or summed over pairs when both sides are sequences
    (several layers mapped to one argument)."""
    if isinstance(preds_S, torch.Tensor) and isinstance(preds_T, torch.Tensor):
        return fn(preds_S, preds_T)
    if isinstance(preds_S, torch.Tensor) or isinstance(preds_T, torch.Tensor) or \
            len(preds_S) != len(preds_T):
        raise ValueError(f'{loss}: preds_S and preds_T must both be tensors or sequences of the '
                         'same length (one per layer)')
    return sum(fn(s, t) for s, t in zip(preds_S, preds_T))


class PairwiseFeatureLoss(nn.Module):
    """Base of the losses between a student map and a teacher map: ``preds_S``/``preds_T`` are
    one map each or sequences of maps (one per layer, losses summed); the teacher side carries
    no gradient; ``loss_weight`` is applied last. Subclasses define :meth:`pair_loss`."""

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def pair_loss(self, f_s: torch.Tensor, f_t: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, preds_S: Maps, preds_T: Maps) -> torch.Tensor:
        return self.loss_weight * sum_over_pairs(lambda s, t: self.pair_loss(s, t.detach()),
                                                 preds_S, preds_T, type(self).__name__)
