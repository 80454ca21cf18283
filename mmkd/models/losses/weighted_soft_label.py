"""Weighted soft labels (Zhou et al., ICLR 2021)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from .checks import check_positive, check_same_shape


def wsld_loss(preds_S: torch.Tensor, preds_T: torch.Tensor, gt_labels: torch.Tensor,
              tau: float = 1.0, eps: float = 1e-7) -> torch.Tensor:
    r"""Soft-label cross-entropy, weighted per sample by the student/teacher CE ratio.

    .. math::
        w_i = 1 - \exp\left(-\max\left(0, \frac{\mathrm{CE}(z^s_i, y_i)}
        {\mathrm{CE}(z^t_i, y_i) + \epsilon}\right)\right),\quad
        \mathcal{L} = \tau^2 \frac1B \sum_i w_i \left(-\sum_k p^t_{ik} \log p^s_{ik}\right)

    with :math:`p = \mathrm{softmax}(z/\tau)`; the weights use :math:`\tau = 1` and carry no
    gradient. The soft term is a cross-entropy (not a KL divergence): it includes the teacher's
    entropy, as in the official code and MMRazor's ``WSLD``, whose values this matches.
    """
    p_t = F.softmax(preds_T / tau, dim=1)
    soft_ce = -(p_t * F.log_softmax(preds_S / tau, dim=1)).sum(dim=1)
    with torch.no_grad():
        ce_s = F.cross_entropy(preds_S.detach(), gt_labels, reduction='none')
        ce_t = F.cross_entropy(preds_T.detach(), gt_labels, reduction='none')
        weight = 1 - torch.exp(-torch.clamp(ce_s / (ce_t + eps), min=0))
    return tau**2 * (weight * soft_ce).mean()


@MODELS.register_module()
class WSLDLoss(nn.Module):
    """"Rethinking Soft Labels for Knowledge Distillation: A Bias-Variance Tradeoff
    Perspective", Zhou et al., ICLR 2021.

    See :func:`wsld_loss`. The number of classes comes from the logits, so unlike MMRazor's
    ``WSLD`` no ``num_classes`` argument is needed. The paper uses tau 2 and weight 2.5 on
    ImageNet.

    Args:
        tau (float): temperature. Defaults to 1.0.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        teacher_detach (bool): stop gradients into the teacher's logits. Defaults to True.
    """

    def __init__(self, tau: float = 1.0, loss_weight: float = 1.0,
                 teacher_detach: bool = True) -> None:
        super().__init__()
        check_positive('tau', tau, 'WSLDLoss')
        self.tau = tau
        self.loss_weight = loss_weight
        self.teacher_detach = teacher_detach

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor,
                gt_labels: torch.Tensor) -> torch.Tensor:
        """
        Args:
            preds_S: student logits (B, K).
            preds_T: teacher logits (B, K).
            gt_labels: class indices (B,).
        """
        check_same_shape(preds_S, preds_T, 'WSLDLoss')
        if self.teacher_detach:
            preds_T = preds_T.detach()
        return self.loss_weight * wsld_loss(preds_S, preds_T, gt_labels, self.tau)
