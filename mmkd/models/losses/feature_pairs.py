"""What the feature losses share: one pair or several pairs of maps (spatial alignment is in
``mmkd/models/utils/feature_maps.py``, which connectors use too)."""
from typing import Callable, Sequence, Union

import torch

from .distill_loss import DistillLoss


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


class PairwiseFeatureLoss(DistillLoss):
    """Base of the losses between a student map and a teacher map: ``preds_S``/``preds_T`` are
    one map each or sequences of maps (one per layer, losses summed); the teacher side carries
    no gradient (:class:`DistillLoss`); ``loss_weight`` is applied last. Subclasses set
    ``pair_fn`` (the pure function of one pair) or define :meth:`pair_loss`."""

    #: ``fn(f_s, f_t)``, the loss of one pair (as a staticmethod)
    pair_fn = None

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)

    def pair_loss(self, f_s: torch.Tensor, f_t: torch.Tensor) -> torch.Tensor:
        return type(self).pair_fn(f_s, f_t)

    def forward(self, preds_S: Maps, preds_T: Maps) -> torch.Tensor:
        return self.loss_weight * sum_over_pairs(self.pair_loss, preds_S,
                                                 self.teacher_side(preds_T), type(self).__name__)
