"""A learnable distillation temperature with a curriculum: CTKD (Li et al., AAAI 2023)."""
import torch
import torch.nn as nn

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
    r"""CTKD's global learnable temperature: "Curriculum Temperature for Knowledge
    Distillation", Li et al., AAAI 2023.

    .. math::
        \tau = t_{start} + t_{range}\,\sigma(\mathrm{GRL}_\lambda(\theta))

    with one parameter :math:`\theta` (initialised to 1, so :math:`\tau \approx 15.6` at
    first) trained by the same optimizer as the student (weight decay included, as the
    reference), and a gradient-reversal layer whose signed factor :math:`\lambda` follows a
    curriculum (:class:`~mmkd.engine.hooks.CurriculumTemperatureHook`, required: training
    without it is refused rather than leaving the temperature fixed). The temperature trains to
    *increase* the distillation loss it is used in, while the student decreases it. Give it as
    the ``tau`` of ``KLDivergence`` or ``DKDLoss``: ``tau=dict(type='CurriculumTemperature')``.
    It is saved in checkpoints (a parameter of the loss) and logged as ``tau`` of its loss.
    The paper's per-instance temperature is not here: its code is not in the reference
    repository.

    Args:
        t_start (float): the lowest temperature. Defaults to 1.0.
        t_range (float): the range above it (the reference's ``t_end``). Defaults to 20.0.
    """

    def __init__(self, t_start: float = 1.0, t_range: float = 20.0) -> None:
        super().__init__()
        check_positive('t_start', t_start, 'CurriculumTemperature')
        check_positive('t_range', t_range, 'CurriculumTemperature')
        self.t_start, self.t_range = t_start, t_range
        self.theta = nn.Parameter(torch.ones(1))
        self.grl_lambda = None  # set by CurriculumTemperatureHook

    def forward(self) -> torch.Tensor:
        lam = self.grl_lambda
        if lam is None:
            if self.training:
                raise KDConfigError(
                    'CurriculumTemperature (a tau of model.distiller.distill_losses) needs '
                    "dict(type='CurriculumTemperatureHook') in custom_hooks: it sets the "
                    'strength of the gradient reversal each epoch; without it the temperature '
                    'would never learn')
            lam = 0.0
        return self._temperature(GradientReversal.apply(self.theta, lam) if self.training
                                 else self.theta)

    def value(self) -> float:
        """The current temperature, outside any graph (what is logged)."""
        return float(self._temperature(self.theta.detach()))

    def _temperature(self, theta: torch.Tensor) -> torch.Tensor:
        return (self.t_start + self.t_range * torch.sigmoid(theta)).squeeze(0)
