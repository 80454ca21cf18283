"""Logit standardisation (Sun et al., CVPR 2024), an option of mmkd's logit losses."""
from typing import Optional, Tuple

import torch

from ..teachers.needs import TeacherNeeds
from .distill_loss import DistillLoss


def standardize_logits(logits: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    r"""Z-score each sample's logits over the classes (dim 1).

    .. math::
        \mathcal{Z}(z) = \frac{z - \bar z}{\epsilon + \sigma(z)}

    "Logit Standardization in Knowledge Distillation", Sun et al., CVPR 2024. As the reference
    code's ``normalize()``: :math:`\sigma` is the unbiased standard deviation (divided by
    K - 1, torch's default; the paper writes the population one) and :math:`\epsilon = 10^{-7}`
    is added to :math:`\sigma`, outside the root. Over dim 1, so dense ``(B, K, ...)`` maps are
    standardised per position.
    """
    mean = logits.mean(dim=1, keepdim=True)
    return (logits - mean) / (eps + logits.std(dim=1, keepdim=True))


class LogitLoss(DistillLoss):
    """A distillation loss on the student's and the teacher's logits, with logit
    standardisation as an option (``logit_stand=True``: both sides z-scored by
    :func:`standardize_logits` before their temperature, as the reference applies it to KD,
    DKD and MLKD; the temperature is then the paper's "base temperature", e.g. 2 with a KD
    weight of 9 on CIFAR-100).

    Args:
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        teacher_detach (bool): stop gradients into the teacher's logits. Defaults to True.
        logit_stand (bool): z-score both sides' logits first. Defaults to False.
    """

    #: what a top-k teacher-output cache must hold to serve the loss without standardisation
    #: (None: the full logits)
    topk_needs: Optional[TeacherNeeds] = None

    def __init__(self, loss_weight: float = 1.0, teacher_detach: bool = True,
                 logit_stand: bool = False) -> None:
        super().__init__(loss_weight, teacher_detach)
        if not isinstance(logit_stand, bool):
            raise ValueError(f'{type(self).__name__}.logit_stand must be True or False, got '
                             f'{logit_stand!r}')
        self.logit_stand = logit_stand

    @property
    def teacher_needs(self) -> TeacherNeeds:
        # Standardising needs every logit of the teacher: a top-k cache cannot serve it.
        if self.logit_stand or self.topk_needs is None:
            return TeacherNeeds()
        return self.topk_needs

    def logits(self, preds_S: torch.Tensor,
               preds_T: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Both sides as the loss reads them: the teacher's cut from the graph (see
        :meth:`teacher_side`), both standardised with ``logit_stand``."""
        preds_T = self.teacher_side(preds_T)
        if self.logit_stand:
            return standardize_logits(preds_S), standardize_logits(preds_T)
        return preds_S, preds_T
