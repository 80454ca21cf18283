"""Normalized knowledge distillation, NKD (Yang et al., ICCV 2023)."""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .checks import check_positive, check_same_shape
from .distill_loss import DistillLoss


def non_target_logits(logits: torch.Tensor, gt_labels: torch.Tensor) -> torch.Tensor:
    """(B, K) logits without each sample's target column: (B, K - 1)."""
    keep = torch.ones_like(logits, dtype=torch.bool).scatter_(1, gt_labels.view(-1, 1), False)
    return logits[keep].view(logits.size(0), -1)


def nkd_loss(preds_S: torch.Tensor, preds_T: torch.Tensor, gt_labels: torch.Tensor,
             tau: float = 1.0, gamma: float = 1.5) -> torch.Tensor:
    r"""NKD: the target class as in the reference's code, the non-target classes normalised.

    .. math::
        \mathcal{L} = -\frac{1}{B}\sum_b p^t_{y}\log p^s_{y}
        - \gamma\,\tau^2 \frac{1}{B}\sum_b \sum_{k \ne y} \hat q^t_k \log \hat q^s_k

    with :math:`p = \mathrm{softmax}(z)` (temperature 1) and :math:`\hat q` the softmax at
    temperature :math:`\tau` over the non-target logits only (the non-target distribution
    renormalised). "From Knowledge Distillation to Self-Knowledge Distillation: A Unified
    Approach with Normalized Loss and Customized Soft Labels", Yang et al., ICCV 2023; values
    equal cls_KD's ``NKDLoss`` (its current form, which drops the target column).
    """
    label = gt_labels.view(-1, 1)
    s_t = F.log_softmax(preds_S, dim=1).gather(1, label)
    t_t = F.softmax(preds_T, dim=1).gather(1, label)
    loss_t = -(t_t * s_t).mean()
    log_q_s = F.log_softmax(non_target_logits(preds_S, gt_labels) / tau, dim=1)
    q_t = F.softmax(non_target_logits(preds_T, gt_labels) / tau, dim=1)
    loss_non = -gamma * tau**2 * (q_t * log_q_s).sum(dim=1).mean()
    return loss_t + loss_non


@MODELS.register_module()
class NKDLoss(DistillLoss):
    """NKD of Yang et al. (ICCV 2023). See :func:`nkd_loss`.

    Used beside the student's own CE (weight 1). The reference's settings: ImageNet CNNs
    tau 1, gamma 1.5; DeiT gamma 1.0; CIFAR-100 tau 3, gamma 3.5.

    Args:
        tau (float): temperature of the non-target distributions. Defaults to 1.0.
        gamma (float): weight of the non-target term. Defaults to 1.5.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        teacher_detach (bool): stop gradients into the teacher's logits. Defaults to True.
    """

    def __init__(self, tau: float = 1.0, gamma: float = 1.5, loss_weight: float = 1.0,
                 teacher_detach: bool = True) -> None:
        super().__init__(loss_weight, teacher_detach)
        check_positive('tau', tau, 'NKDLoss')
        self.tau, self.gamma = tau, gamma

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor,
                gt_labels: torch.Tensor) -> torch.Tensor:
        """preds_S, preds_T: (B, K) logits, K > 1; gt_labels: (B,) class indices."""
        check_same_shape(preds_S, preds_T, 'NKDLoss')
        if preds_S.dim() != 2 or preds_S.size(1) < 2:
            raise ValueError(f'NKDLoss needs (B, K) logits with K >= 2, got '
                             f'{tuple(preds_S.shape)}')
        return self.loss_weight * nkd_loss(preds_S, self.teacher_side(preds_T), gt_labels,
                                           self.tau, self.gamma)
