"""What every distillation loss of mmkd shares: its weight, and one rule for gradients."""
from typing import Sequence, Union

import torch
import torch.nn as nn

Records = Union[torch.Tensor, Sequence[torch.Tensor]]


def detached(records: Records) -> Records:
    """A record (or a sequence of records, one per layer or teacher) cut from the graph."""
    if isinstance(records, torch.Tensor):
        return records.detach()
    return type(records)(r.detach() for r in records)


class DistillLoss(nn.Module):
    """Base of mmkd's distillation losses.

    The rule for gradients: a loss sends no gradient into its teacher side (``preds_T``,
    after its connector): the teacher is a target, also when it trains (online KD, a trained
    teacher, a peer of mutual learning: each learns from its own losses and from the losses
    that map it as ``preds_S``). A loss whose reference trains the teacher side through it
    offers ``teacher_detach=False``. Subclasses call :meth:`teacher_side` on ``preds_T``.

    Args:
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        teacher_detach (bool): stop gradients into ``preds_T``. Defaults to True.
    """

    def __init__(self, loss_weight: float = 1.0, teacher_detach: bool = True) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.teacher_detach = teacher_detach

    def teacher_side(self, preds_T: Records) -> Records:
        return detached(preds_T) if self.teacher_detach else preds_T
