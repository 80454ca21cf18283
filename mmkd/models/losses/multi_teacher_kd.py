"""KD from several teachers through their averaged soft targets (survey: Gou et al., 2021)."""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .checks import check_positive, check_same_shape
from .distill_loss import DistillLoss
from .kl_divergence import soft_kl


def multi_teacher_kd(preds_S: torch.Tensor, preds_T: Sequence[torch.Tensor], tau: float = 1.0,
                     weights: Optional[Sequence[float]] = None) -> torch.Tensor:
    r""":math:`\tau^2\,\mathrm{KL}(\bar p \,\|\, p_s)` with
    :math:`\bar p = \sum_i w_i\,\mathrm{softmax}(z^{(i)}_t/\tau) / \sum_i w_i`, batch mean.

    Averaging probabilities (not logits) keeps each teacher's distribution at temperature
    :math:`\tau`; with one teacher this is vanilla KD.
    """
    if weights is None:
        weights = [1.0] * len(preds_T)
    total = float(sum(weights))
    p_bar = sum(w * F.softmax(z / tau, dim=1) for w, z in zip(weights, preds_T)) / total
    return soft_kl(F.log_softmax(preds_S / tau, dim=1), p_bar, tau)


@MODELS.register_module()
class MultiTeacherKLDivergence(DistillLoss):
    """Vanilla KD against the (weighted) average of several teachers' soft targets.

    ``preds_T`` is the list a ``MultiTeacherDistiller`` mapping with ``teacher=[...]`` or
    ``'all'`` produces (or one tensor). ``teacher_weights`` are in the order of that list; when
    the algorithm draws one teacher per step the list has one element and the weights do not
    apply.

    Args:
        tau (float): temperature. Defaults to 1.0.
        teacher_weights (Sequence[float], optional): weight of each teacher. Equal by default.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    def __init__(self, tau: float = 1.0, teacher_weights: Optional[Sequence[float]] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        check_positive('tau', tau, 'MultiTeacherKLDivergence')
        if teacher_weights is not None and (not teacher_weights or min(teacher_weights) < 0
                                            or sum(teacher_weights) <= 0):
            raise ValueError('MultiTeacherKLDivergence.teacher_weights must be non-negative with '
                             f'a positive sum, got {teacher_weights}')
        self.tau = tau
        self.teacher_weights = None if teacher_weights is None else list(teacher_weights)

    def forward(self, preds_S: torch.Tensor,
                preds_T: Union[torch.Tensor, List[torch.Tensor]]) -> torch.Tensor:
        """
        Args:
            preds_S: student logits (B, K).
            preds_T: teacher logits (B, K), or a list of them.
        """
        preds_T = [preds_T] if isinstance(preds_T, torch.Tensor) else list(preds_T)
        for z in preds_T:
            check_same_shape(preds_S, z, 'MultiTeacherKLDivergence')
        weights = self.teacher_weights
        if weights is not None and len(weights) != len(preds_T):
            if len(preds_T) != 1:
                raise ValueError(f'MultiTeacherKLDivergence got {len(preds_T)} teachers but '
                                 f'{len(weights)} teacher_weights')
            weights = None
        return self.loss_weight * multi_teacher_kd(
            preds_S, self.teacher_side(preds_T), self.tau, weights)
