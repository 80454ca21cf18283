"""The squared error where either feature is active (BYOT's feature loss)."""
import torch

from mmkd.registry import MODELS
from .distill_loss import DistillLoss
from .checks import check_choice, check_same_shape


def activated_l2(preds_S: torch.Tensor, preds_T: torch.Tensor,
                 reduction: str = 'sum') -> torch.Tensor:
    r""":math:`\sum (s - t)^2\,[s > 0 \vee t > 0]` (``'sum'``), or that divided by the batch
    size (``'batchmean'``): positions where both features are inactive (≤ 0, e.g. after a
    ReLU) do not count."""
    check_same_shape(preds_S, preds_T, 'ActivatedL2Loss')
    mask = (preds_S > 0) | (preds_T > 0)
    total = ((preds_S - preds_T).pow(2) * mask.to(preds_S.dtype)).sum()
    return total if reduction == 'sum' else total / preds_S.shape[0]


@MODELS.register_module()
class ActivatedL2Loss(DistillLoss):
    """See :func:`activated_l2`. With ``reduction='sum'`` it is the feature loss of the BYOT
    authors' code ("Be Your Own Teacher", Zhang et al., ICCV 2019), between a shallow exit's
    pooled feature and the deepest one's (weight 1e-6 there); the teacher side carries no
    gradient.

    Args:
        reduction (str): ``'sum'`` or ``'batchmean'``. Defaults to ``'sum'``.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    def __init__(self, reduction: str = 'sum', loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        check_choice('reduction', reduction, ('sum', 'batchmean'), 'ActivatedL2Loss')
        self.reduction = reduction

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        return self.loss_weight * activated_l2(preds_S, self.teacher_side(preds_T), self.reduction)
