"""Vanilla knowledge distillation (Hinton et al., 2015)."""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from ..teachers.needs import TeacherNeeds
from .checks import REDUCTIONS, check_choice, check_same_shape
from .logit_standardization import LogitLoss


def soft_kl(log_p_s: torch.Tensor, target: torch.Tensor, tau: float = 1.0,
            reduction: str = 'batchmean') -> torch.Tensor:
    r"""The soft-target KL that every logit-distillation loss of mmkd is built on.

    .. math::
        \tau^2 \sum_k q(k) \left(\log q(k) - \log p_s(k)\right)

    with the student's log-probabilities ``log_p_s`` (at temperature :math:`\tau`) and a
    target distribution ``q`` (the teacher's softmax, a partial or averaged target, DKD's
    binary or non-target distributions), both over dim 1. ``reduction`` as in
    :func:`kl_divergence`. A per-sample temperature (a tensor of shape (N, 1), CTKD's
    instance-wise one) scales each sample's terms by its own :math:`\tau_i^2` before they are
    reduced.
    """
    terms = F.kl_div(log_p_s, target, reduction='none')
    if isinstance(tau, torch.Tensor) and tau.dim() > 0:
        # per sample: scale before reducing, so 'mean' and 'batchmean' average tau_i^2 KL_i
        terms, tau = terms * tau**2, 1.0
    if reduction == 'none':
        return tau**2 * terms
    if reduction == 'mean':
        return terms.mean() * tau**2
    total = terms.sum() * tau**2
    return total / log_p_s.size(0) if reduction == 'batchmean' else total


def kl_divergence(preds_S: torch.Tensor, preds_T: torch.Tensor, tau: float = 1.0,
                  reduction: str = 'batchmean') -> torch.Tensor:
    r"""Temperature-scaled KL divergence from the teacher's to the student's distribution.

    .. math::
        \mathcal{L} = \tau^2 \sum_k p_t^\tau(k) \left(\log p_t^\tau(k) - \log p_s^\tau(k)\right),
        \quad p^\tau = \mathrm{softmax}(z / \tau)

    The softmax runs over dim 1 (classes), so ``(B, K)`` logits and ``(B, K, ...)`` dense maps
    both work. ``reduction`` is that of :func:`torch.nn.functional.kl_div`: ``'batchmean'`` sums
    over classes (and positions) and averages over the batch, which is the paper's loss and
    mdistiller's ``kd_loss``; ``'mean'`` averages over every element; ``'sum'``; ``'none'``
    returns the element-wise terms.

    The :math:`\tau^2` factor keeps the gradient scale independent of :math:`\tau` (Hinton et al.,
    Sec. 2). ``tau`` may be an (N, 1) tensor, one temperature per sample of (N, K) logits (CTKD's
    instance-wise temperature): each sample is softened by, and its KL scaled by the square of,
    its own temperature.
    """
    # Reduced in soft_kl rather than in F.kl_div, whose 'mean' is announced to change meaning.
    return soft_kl(F.log_softmax(preds_S / tau, dim=1), F.softmax(preds_T / tau, dim=1), tau,
                   reduction)


@MODELS.register_module()
class KLDivergence(LogitLoss):
    """Vanilla KD loss: "Distilling the Knowledge in a Neural Network", Hinton et al., 2015.

    See :func:`kl_divergence` for the formula. Matches mdistiller's ``kd_loss`` (with the default
    ``'batchmean'``) and MMRazor's ``KLDivergence`` for every ``reduction``.

    Args:
        tau (float | dict): temperature, or a temperature module's config (e.g.
            ``dict(type='CurriculumTemperature')``, CTKD; with ``instance=True`` one per
            sample). Defaults to 1.0.
        reduction (str): ``'batchmean'`` (default), ``'sum'``, ``'mean'`` or ``'none'``.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        teacher_detach (bool): stop gradients into the teacher's logits. Defaults to True.
        logit_stand (bool): z-score both sides' logits first (logit standardisation, Sun et
            al. 2024: :func:`~.logit_standardization.standardize_logits`). Defaults to False.
    """

    # It reads the teacher only through softmax(z_t / tau), so a top-k cache's target serves it
    # (the missing mass spread evenly over the other classes: teachers.output_cache.topk_to_logits).
    topk_needs = TeacherNeeds(topk=0)

    def __init__(self, tau: float = 1.0, reduction: str = 'batchmean', loss_weight: float = 1.0,
                 teacher_detach: bool = True, logit_stand: bool = False) -> None:
        super().__init__(loss_weight, teacher_detach, logit_stand)
        self.set_temperature(tau)
        check_choice('reduction', reduction, REDUCTIONS, 'KLDivergence')
        self.reduction = reduction

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """
        Args:
            preds_S: student logits, (B, K, ...).
            preds_T: teacher logits, same shape.
        """
        check_same_shape(preds_S, preds_T, 'KLDivergence')
        preds_S, preds_T = self.logits(preds_S, preds_T)
        return self.loss_weight * kl_divergence(preds_S, preds_T,
                                                self.temperature(preds_S, preds_T), self.reduction)
