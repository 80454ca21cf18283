"""A learnable distillation temperature with a curriculum: CTKD (Li et al., AAAI 2023)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError
from .checks import check_positive


class GradientReversal(torch.autograd.Function):
    """Identity forward; backward multiplies the gradient by ``lam``.

    As CTKD's code (``models/temp_global.py``) computes it: its docstring says the gradient
    is multiplied by -lambda, its code multiplies by +lambda, and the reversal comes from a
    lambda that its curriculum keeps in [-1, 0]. mmkd follows the code: ``lam`` is the signed
    factor (:class:`~mmkd.engine.hooks.CurriculumTemperatureHook` sets it).
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, lam: float) -> torch.Tensor:
        ctx.lam = lam
        return x.clone()

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return grad * ctx.lam, None


@MODELS.register_module()
class CurriculumTemperature(nn.Module):
    r"""CTKD's learnable temperature, global or per instance: "Curriculum Temperature for
    Knowledge Distillation", Li et al., AAAI 2023.

    .. math::
        \tau = t_{start} + t_{range}\,\sigma(\mathrm{GRL}_\lambda(T_{pred}))

    The gradient-reversal layer's signed factor :math:`\lambda` follows a curriculum
    (:class:`~mmkd.engine.hooks.CurriculumTemperatureHook`, required: training without it is
    refused rather than leaving the temperature fixed), so the temperature trains to *increase*
    the distillation loss it is used in while the student decreases it. Its parameters are
    trained by the student's optimizer (weight decay included, as the reference), saved in
    checkpoints (parameters of the loss) and logged as ``tau.<loss name>``. Give it as the
    ``tau`` of ``KLDivergence`` or ``DKDLoss``: ``tau=dict(type='CurriculumTemperature')``.

    * Global (the default): :math:`T_{pred} = \theta`, one parameter initialised to 1
      (:math:`\tau \approx 15.6` at first), as the reference's ``Global_T``.
    * Per instance (``instance=True``): :math:`T_{pred,i} = \mathrm{MLP}([p^t_i, p^s_i])`, a
      temperature of shape (N, 1) for each sample from a two-layer MLP on the concatenated
      teacher and student class probabilities (softmax at temperature 1) of that sample. The
      losses then divide each sample's logits by its own :math:`\tau_i` and scale each
      sample's KL by its own :math:`\tau_i^2` before the batch mean,
      :math:`\frac{1}{N}\sum_i \tau_i^2\,\mathrm{KL}_i`, as the reference's README gives the
      instance-wise loss (a loop over the samples, each ``T[i] * T[i] * sum(q (log q -
      log p))``, divided by the batch size); with DKD both TCKD and NCKD take the per-sample
      :math:`\tau_i^2` (the reference gives the instance form for KD only). The logged value is
      the batch mean of the last forward.

    The reference repository (``zhengli97/CTKD``) stores no code of the instance module (its
    README links it on external drives); the form here follows its stored description: the
    figure ``global_instance_temp.jpg`` (teacher and student "Prob [B, C]", concatenated, an
    MLP, :math:`\tau` of size [B]) and its project page (an MLP of two 1x1 convolutions on the
    concatenated outputs, one temperature per sample). Not stated there, so mmkd's choices: a
    ReLU between the two layers, a hidden width equal to the input width 2K by default, and
    the MLP's inputs detached, so that the reversed gradient reaches the MLP only (as it reaches
    only :math:`\theta` in the global form) and the student learns from the loss at the given
    temperatures, never through the temperature. Unlike the reference's README loss, the
    teacher's probabilities get no +1e-7 (mmkd's KL is exact where they are 0).

    Args:
        t_start (float): the lowest temperature. Defaults to 1.0.
        t_range (float): the range above it (the reference's ``t_end``). Defaults to 20.0.
        instance (bool): one temperature per sample from an MLP. Defaults to False.
        num_classes (int, optional): K, the logits' width; required with ``instance``.
        hidden_channels (int, optional): the MLP's hidden width. Defaults to 2K.
    """

    def __init__(self, t_start: float = 1.0, t_range: float = 20.0, instance: bool = False,
                 num_classes: Optional[int] = None,
                 hidden_channels: Optional[int] = None) -> None:
        super().__init__()
        name = 'CurriculumTemperature'
        check_positive('t_start', t_start, name)
        check_positive('t_range', t_range, name)
        self.t_start, self.t_range, self.instance = t_start, t_range, bool(instance)
        self.grl_lambda = None  # set by CurriculumTemperatureHook
        if not self.instance:
            if num_classes is not None or hidden_channels is not None:
                raise KDConfigError(f'{name}: num_classes and hidden_channels are options of the '
                                    'per-instance temperature; set instance=True')
            self.theta = nn.Parameter(torch.ones(1))
            return
        if not isinstance(num_classes, int) or num_classes < 2:
            raise KDConfigError(f'{name}(instance=True) needs num_classes, the width of the '
                                f'logits it reads (an int >= 2), got {num_classes!r}')
        hidden = 2 * num_classes if hidden_channels is None else hidden_channels
        check_positive('hidden_channels', hidden, name)
        self.num_classes = num_classes
        # Linear layers on (N, 2K): the reference's 1x1 convolutions on a (N, 2K, 1, 1) input.
        self.mlp = nn.Sequential(nn.Linear(2 * num_classes, hidden), nn.ReLU(inplace=True),
                                 nn.Linear(hidden, 1))
        self._last = None  # the last batch's mean temperature, for value()

    def forward(self, preds_S: Optional[torch.Tensor] = None,
                preds_T: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The temperature: a 0-d tensor (global) or (N, 1) for the (N, K) logits (instance)."""
        t_pred = self.theta if not self.instance else self.mlp(self._inputs(preds_S, preds_T))
        if self.training:
            t_pred = GradientReversal.apply(t_pred, self._lambda())
        tau = self._temperature(t_pred)
        if self.instance:
            self._last = tau.detach().mean()
        return tau

    def value(self) -> Optional[float]:
        """The current temperature outside any graph (what is logged): the global one, or the
        batch mean of the last per-instance forward (None before the first)."""
        if not self.instance:
            return float(self._temperature(self.theta.detach()))
        return None if self._last is None else float(self._last)

    def _lambda(self) -> float:
        if self.grl_lambda is None:
            raise KDConfigError(
                'CurriculumTemperature (a tau of model.distiller.distill_losses) needs '
                "dict(type='CurriculumTemperatureHook') in custom_hooks: it sets the "
                'strength of the gradient reversal each epoch; without it the temperature '
                'would never learn')
        return self.grl_lambda

    def _inputs(self, preds_S: Optional[torch.Tensor],
                preds_T: Optional[torch.Tensor]) -> torch.Tensor:
        for side in (preds_S, preds_T):
            if side is None or side.dim() != 2 or side.size(1) != self.num_classes:
                raise ValueError(
                    f'CurriculumTemperature(instance=True, num_classes={self.num_classes}) '
                    f'predicts a temperature per sample from (N, {self.num_classes}) logits, got '
                    f'{None if side is None else tuple(side.shape)}')
        return torch.cat([F.softmax(side.detach(), dim=1) for side in (preds_T, preds_S)], dim=1)

    def _temperature(self, t_pred: torch.Tensor) -> torch.Tensor:
        tau = self.t_start + self.t_range * torch.sigmoid(t_pred)
        return tau if self.instance else tau.squeeze(0)
