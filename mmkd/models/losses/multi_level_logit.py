"""Multi-level logit distillation (Jin, Wang & Lin, CVPR 2023)."""
from typing import Sequence

import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .checks import check_positive, check_same_shape
from .kl_divergence import kl_divergence
from .logit_standardization import LogitLoss, standardize_logits


def prediction_gram_distance(p_s: torch.Tensor, p_t: torch.Tensor, over: str) -> torch.Tensor:
    r"""The squared distance between the Gram matrices of two (B, K) prediction matrices.

    ``over='classes'``: :math:`\frac{1}{K}\lVert P_t^\top P_t - P_s^\top P_s\rVert_F^2` (K x K,
    MLKD's class-level term); ``over='batch'``: :math:`\frac{1}{B}\lVert P_t P_t^\top - P_s
    P_s^\top\rVert_F^2` (B x B, its batch-level term).
    """
    if over == 'classes':
        gram_s, gram_t, n = p_s.t() @ p_s, p_t.t() @ p_t, p_s.size(1)
    else:
        gram_s, gram_t, n = p_s @ p_s.t(), p_t @ p_t.t(), p_s.size(0)
    return ((gram_t - gram_s)**2).sum() / n


def confidence_masks(preds_T: torch.Tensor):
    """MLKD's teacher-confidence masks: the samples whose top-class probability, and the
    classes whose summed probability, are at most the batch's median (numpy's linear
    percentile), from the teacher's raw softmax at temperature 1."""
    p = F.softmax(preds_T, dim=1)
    conf = p.max(dim=1).values
    class_conf = p.sum(dim=0)
    return conf <= torch.quantile(conf, 0.5), class_conf <= torch.quantile(class_conf, 0.5)


def mlkd_loss(preds_S: torch.Tensor, preds_T: torch.Tensor,
              temperatures: Sequence[float] = (4.0, 3.0, 5.0, 2.0, 6.0),
              instance_weight: float = 1.0, batch_weight: float = 1.0, class_weight: float = 1.0,
              logit_stand: bool = False, confidence_mask: bool = True, views: int = 1,
              strong_terms: str = 'reference') -> torch.Tensor:
    r"""Instance-, batch- and class-level logit distillation at several temperatures.

    .. math::
        \mathcal{L} = \sum_{T} \big( w_I\, m\, \mathrm{KD}_T
        + w_B\, m\, \mathrm{BC}_T + w_C\, m_c\, \mathrm{CC}_T \big)

    with :math:`\mathrm{KD}_T` the batch-mean KL at temperature T times :math:`T^2` (of the
    standardised logits with ``logit_stand``, as the logit-standardisation code applies it),
    :math:`\mathrm{BC}_T` and :math:`\mathrm{CC}_T` the Gram distances of
    :func:`prediction_gram_distance` of :math:`\mathrm{softmax}(z/T)` (raw logits, no
    :math:`T^2`). As the reference code (``KD_ours.py``) computes it, the confidence masks of
    :func:`confidence_masks` multiply terms that are already reduced to scalars, so
    :math:`m` and :math:`m_c` are the *fractions* of samples and classes they keep (about 1/2),
    not per-sample weights; ``confidence_mask=False`` drops them.

    With ``views=2`` the batch holds a weak view of every sample and then a strong one (as
    ``MultiViewDataPreprocessor(stack=[weak, strong])`` makes it): the terms above are those of
    the weak half (masks from the teacher's weak view), plus unmasked KD terms
    :math:`w_I \sum_T \mathrm{KD}_T` for the strong view. ``strong_terms='reference'`` takes
    them as the reference code does: the first three temperatures on the strong view, the
    others on the *weak* view again (its code reads the weak logits there); ``'strong'``: every
    temperature on the strong view.
    """
    if views == 2:
        if preds_S.size(0) % 2:
            raise ValueError(f'MLKDLoss(views=2) needs a batch of two stacked views, got '
                             f'{preds_S.size(0)} samples')
        (s_w, s_s), (t_w, t_s) = preds_S.chunk(2), preds_T.chunk(2)
        total = mlkd_loss(s_w, t_w, temperatures, instance_weight, batch_weight, class_weight,
                          logit_stand, confidence_mask)
        z = (lambda x: standardize_logits(x)) if logit_stand else (lambda x: x)
        for i, tau in enumerate(temperatures):
            strong = strong_terms == 'strong' or i < 3
            z_s, z_t = (z(s_s), z(t_s)) if strong else (z(s_w), z(t_w))
            total = total + instance_weight * kl_divergence(z_s, z_t, tau)
        return total
    mask, class_mask = confidence_masks(preds_T)
    m = mask.float().mean() if confidence_mask else 1.0
    m_c = class_mask.float().mean() if confidence_mask else 1.0
    z_s, z_t = (standardize_logits(preds_S), standardize_logits(preds_T)) if logit_stand \
        else (preds_S, preds_T)
    total = preds_S.new_zeros(())
    for tau in temperatures:
        p_s, p_t = F.softmax(preds_S / tau, dim=1), F.softmax(preds_T / tau, dim=1)
        total = total + instance_weight * m * kl_divergence(z_s, z_t, tau) \
            + batch_weight * m * prediction_gram_distance(p_s, p_t, 'batch') \
            + class_weight * m_c * prediction_gram_distance(p_s, p_t, 'classes')
    return total


@MODELS.register_module()
class MLKDLoss(LogitLoss):
    """"Multi-Level Logit Distillation", Jin, Wang & Lin, CVPR 2023. See :func:`mlkd_loss`.

    The reference trains on two augmented views of each sample, a weak one and one with
    RandAugment (``MultiViewDataset`` with ``MultiViewDataPreprocessor(stack=...)``, and
    ``views=2`` here); with one view (``views=1``) the loss is the reference's weak-view terms.
    Its CIFAR-100 setting: temperatures (4, 3, 5, 2, 6), every level weighted like KD
    (``loss_weight`` 0.9 with the student's CE at 0.1 on each view), 480 epochs at lr 0.025.

    Args:
        temperatures (Sequence[float]): the temperatures summed over. Defaults to
            (4, 3, 5, 2, 6), the reference's list for base temperature 4.
        instance_weight, batch_weight, class_weight (float): the levels' weights. Default 1.
        confidence_mask (bool): scale the instance and batch terms by the fraction of samples,
            the class term by the fraction of classes, that the teacher's confidence masks
            keep, as the reference code does. Defaults to True.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        teacher_detach (bool): stop gradients into the teacher's logits. Defaults to True.
        logit_stand (bool): standardise the logits of the instance terms (as the
            logit-standardisation code does for MLKD; base temperature 2 there, so its list
            is (2, 3, 5, 2, 6)). Defaults to False.
        views (int): 1, or 2 for a batch of a weak and a strong view stacked. Defaults to 1.
        strong_terms (str): with two views, ``'reference'`` (default) or ``'strong'``, see
            :func:`mlkd_loss`.
    """

    def __init__(self, temperatures: Sequence[float] = (4.0, 3.0, 5.0, 2.0, 6.0),
                 instance_weight: float = 1.0, batch_weight: float = 1.0,
                 class_weight: float = 1.0, confidence_mask: bool = True,
                 loss_weight: float = 1.0, teacher_detach: bool = True,
                 logit_stand: bool = False, views: int = 1,
                 strong_terms: str = 'reference') -> None:
        super().__init__(loss_weight, teacher_detach, logit_stand)
        if views not in (1, 2):
            raise ValueError(f'MLKDLoss.views must be 1 or 2, got {views!r}')
        if strong_terms not in ('reference', 'strong'):
            raise ValueError(f"MLKDLoss.strong_terms must be 'reference' or 'strong', got "
                             f'{strong_terms!r}')
        self.views, self.strong_terms = views, strong_terms
        if isinstance(temperatures, (int, float)) or not temperatures:
            raise ValueError(f'MLKDLoss.temperatures must be a non-empty list of temperatures, '
                             f'got {temperatures!r}')
        for tau in temperatures:
            check_positive('temperatures', tau, 'MLKDLoss')
        self.temperatures = tuple(float(t) for t in temperatures)
        self.weights = (instance_weight, batch_weight, class_weight)
        self.confidence_mask = confidence_mask

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """preds_S, preds_T: (B, K) logits."""
        check_same_shape(preds_S, preds_T, 'MLKDLoss')
        if preds_S.dim() != 2:
            raise ValueError(f'MLKDLoss needs (B, K) logits, got {tuple(preds_S.shape)}')
        preds_T = self.teacher_side(preds_T)
        return self.loss_weight * mlkd_loss(preds_S, preds_T, self.temperatures, *self.weights,
                                            self.logit_stand, self.confidence_mask, self.views,
                                            self.strong_terms)
