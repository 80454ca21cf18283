"""What the feature losses share: one pair or several pairs of maps (spatial alignment is in
``mmkd/models/utils/feature_maps.py``, which connectors use too)."""
from typing import Callable, Sequence, Union

import torch
import torch.nn as nn


Maps = Union[torch.Tensor, Sequence[torch.Tensor]]


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
