"""Logit standardisation (Sun et al., CVPR 2024) and a learnable temperature (CTKD): the
options of mmkd's logit losses."""
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError

from ..teachers.needs import TeacherNeeds
from .checks import check_positive
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
    """A distillation loss on the student's and the teacher's logits, with two options:

    * logit standardisation (``logit_stand=True``): both sides z-scored by
      :func:`standardize_logits` before their temperature, as the reference applies it to KD,
      DKD and MLKD; the temperature is then the paper's "base temperature", e.g. 2 with a KD
      weight of 9 on CIFAR-100;
    * a learnable temperature: a subclass with a temperature takes ``tau`` as a number or as
      the config of a module that returns it (``dict(type='CurriculumTemperature')``, CTKD),
      through :meth:`set_temperature` and :meth:`temperature`.

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

    def set_temperature(self, tau: Union[float, dict, nn.Module]) -> None:
        """A fixed temperature (> 0), or a module (or its config) that returns one."""
        name = type(self).__name__
        if isinstance(tau, dict):
            if 'type' not in tau or MODELS.get(tau['type']) is None:
                raise KDConfigError(f'{name}.tau must be a number or the config of a registered '
                                    f"temperature module (e.g. dict(type='CurriculumTemperature'))"
                                    f', got {tau!r}')
            tau = MODELS.build(tau)
        if isinstance(tau, nn.Module):
            self.tau, self.temperature_module = None, tau
        else:
            check_positive('tau', tau, name)
            self.tau, self.temperature_module = tau, None

    def temperature(self, preds_S: Optional[torch.Tensor] = None,
                    preds_T: Optional[torch.Tensor] = None) -> Union[float, torch.Tensor]:
        """This step's temperature: the fixed one, or what the temperature module returns for
        the logits the loss reads (a per-instance module predicts an (N, 1) temperature from
        them)."""
        if self.temperature_module is None:
            return self.tau
        return self.temperature_module(preds_S, preds_T)

    def logits(self, preds_S: torch.Tensor,
               preds_T: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Both sides as the loss reads them: the teacher's cut from the graph (see
        :meth:`teacher_side`), both standardised with ``logit_stand``."""
        preds_T = self.teacher_side(preds_T)
        if self.logit_stand:
            return standardize_logits(preds_S), standardize_logits(preds_T)
        return preds_S, preds_T
