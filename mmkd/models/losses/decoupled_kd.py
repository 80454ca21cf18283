"""Decoupled knowledge distillation (Zhao et al., CVPR 2022)."""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .checks import check_same_shape
from .kl_divergence import soft_kl
from .logit_standardization import LogitLoss
from .normalized_kd import non_target_logits


def _binary(probs: torch.Tensor, gt_mask: torch.Tensor) -> torch.Tensor:
    """(B, K) class probabilities -> (B, 2): [p(target), p(all other classes)]."""
    target = (probs * gt_mask).sum(dim=1, keepdim=True)
    other = (probs * (1 - gt_mask)).sum(dim=1, keepdim=True)
    return torch.cat([target, other], dim=1)


def dkd_loss(preds_S: torch.Tensor, preds_T: torch.Tensor, gt_labels: torch.Tensor,
             alpha: float = 1.0, beta: float = 8.0, tau: float = 4.0) -> torch.Tensor:
    r"""Decoupled KD: :math:`\alpha\,\mathrm{TCKD} + \beta\,\mathrm{NCKD}`.

    .. math::
        \mathrm{TCKD} = \tau^2\,\mathrm{KL}(b_t \,\|\, b_s),\quad
        b = [p_y, 1 - p_y],\ p = \mathrm{softmax}(z/\tau)

        \mathrm{NCKD} = \tau^2\,\mathrm{KL}(\hat p_t \,\|\, \hat p_s),\quad
        \hat p = \mathrm{softmax}(z/\tau) \text{ over the non-target classes}

    both summed over classes and averaged over the batch. At :math:`\tau=1`,
    :math:`\mathrm{KD} = \mathrm{TCKD} + (1 - p^t_y)\,\mathrm{NCKD}` (Eq. 1 of the paper).

    ``tau`` may be an (N, 1) tensor, one temperature per sample (CTKD's instance-wise
    temperature): TCKD and NCKD then scale each sample by its own :math:`\tau_i^2`.

    As in mdistiller's ``dkd_loss``, the non-target softmax is taken over all classes with the
    target logit shifted by -1000 (for teacher and student), which equals the renormalised
    distribution up to float precision, and TCKD takes the log of the binary probabilities.
    """
    gt_mask = F.one_hot(gt_labels, preds_S.size(1)).to(preds_S.dtype)
    p_s = F.softmax(preds_S / tau, dim=1)
    p_t = F.softmax(preds_T / tau, dim=1)
    tckd = soft_kl(torch.log(_binary(p_s, gt_mask)), _binary(p_t, gt_mask), tau)
    if isinstance(tau, torch.Tensor) and tau.requires_grad:
        # A learnable temperature (CTKD): the shift leaves exact zeros in the target, whose
        # gradient with respect to tau is undefined (0 * inf); drop the target column instead.
        log_q_s = F.log_softmax(non_target_logits(preds_S, gt_labels) / tau, dim=1)
        q_t = F.softmax(non_target_logits(preds_T, gt_labels) / tau, dim=1)
    else:
        log_q_s = F.log_softmax(preds_S / tau - 1000.0 * gt_mask, dim=1)
        q_t = F.softmax(preds_T / tau - 1000.0 * gt_mask, dim=1)
    nckd = soft_kl(log_q_s, q_t, tau)
    return alpha * tckd + beta * nckd


@MODELS.register_module()
class DKDLoss(LogitLoss):
    """"Decoupled Knowledge Distillation", Zhao et al., CVPR 2022.

    See :func:`dkd_loss`. Matches mdistiller's ``dkd_loss`` and MMRazor's ``DKDLoss``. The
    defaults are the paper's CIFAR-100 setting (alpha 1, beta 8, tau 4). The paper's warm-up,
    min(epoch / 20, 1) on the whole loss, is a loss-weight schedule in mmkd, not part of the loss.

    Args:
        tau (float | dict): temperature, or a temperature module's config (e.g.
            ``dict(type='CurriculumTemperature')``, CTKD; with ``instance=True`` one per
            sample). Defaults to 4.0.
        alpha (float): weight of TCKD. Defaults to 1.0.
        beta (float): weight of NCKD. Defaults to 8.0.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        teacher_detach (bool): stop gradients into the teacher's logits. Defaults to True.
        logit_stand (bool): z-score both sides' logits first, before the temperature and the
            target masking (logit standardisation, Sun et al. 2024; its CIFAR-100 setting is
            tau 2, alpha 9, beta 72). Defaults to False.
    """

    def __init__(self, tau: float = 4.0, alpha: float = 1.0, beta: float = 8.0,
                 loss_weight: float = 1.0, teacher_detach: bool = True,
                 logit_stand: bool = False) -> None:
        super().__init__(loss_weight, teacher_detach, logit_stand)
        self.set_temperature(tau)
        self.alpha, self.beta = alpha, beta

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor,
                gt_labels: torch.Tensor) -> torch.Tensor:
        """
        Args:
            preds_S: student logits (B, K), K > 2.
            preds_T: teacher logits (B, K).
            gt_labels: class indices (B,).
        """
        check_same_shape(preds_S, preds_T, 'DKDLoss')
        if preds_S.dim() != 2 or preds_S.size(1) <= 2:
            raise ValueError(
                f'DKDLoss needs (B, K) logits with K > 2 classes, got {tuple(preds_S.shape)}: '
                'with 2 classes the non-target distribution has one class and NCKD is always 0.')
        preds_S, preds_T = self.logits(preds_S, preds_T)
        return self.loss_weight * dkd_loss(preds_S, preds_T, gt_labels, self.alpha, self.beta,
                                           self.temperature(preds_S, preds_T))
