"""CTKD's curriculum: the strength of the temperature's gradient reversal, epoch by epoch."""
import math
from typing import Optional

from mmengine.hooks import Hook

from mmkd.registry import HOOKS
from mmkd.utils.config_errors import KDConfigError
from ...models.losses.curriculum_temperature import CurriculumTemperature
from ...utils.dist_utils import unwrap_model


def curriculum_lambda(epoch: int, loops: int, max_lambda: float = 0.0,
                      min_lambda: float = -1.0) -> float:
    r"""CTKD's cosine curriculum of the reversal factor at 1-based ``epoch``.

    .. math::
        \lambda(e) = \lambda_{min} + (\lambda_{max} - \lambda_{min})
        \frac{1 + \cos(\pi \min(e, L) / L)}{2}

    (the reference's ``CosineDecay`` with its scripts' ``decay_max=0, decay_min=-1``: from
    about -0.025 in the first epoch to -1 from epoch L on; L = 10 on CIFAR-100, 5 on ImageNet).
    """
    i = min(max(epoch, 0), loops)
    return min_lambda + (max_lambda - min_lambda) * (1 + math.cos(i * math.pi / loops)) / 2


@HOOKS.register_module()
class CurriculumTemperatureHook(Hook):
    """Sets, before each training epoch, the gradient-reversal factor of every
    :class:`~mmkd.models.losses.CurriculumTemperature` of the model (global or per instance)
    to :func:`curriculum_lambda` of the epoch, and logs each temperature after every iteration
    (``tau.<loss name>``; a per-instance one as its batch mean). The factor depends only on the
    epoch counter, so a resumed run continues the curriculum where it stopped; the temperature's
    parameters are saved and restored with the model.

    Args:
        loops (int): the epochs of the cosine ramp (L). Defaults to 10 (the reference's
            CIFAR-100 setting).
        max_lambda (float): the factor at the start. Defaults to 0.0.
        min_lambda (float): the factor from epoch L on. Defaults to -1.0.
    """

    priority = 'NORMAL'

    def __init__(self, loops: int = 10, max_lambda: float = 0.0,
                 min_lambda: float = -1.0) -> None:
        if not isinstance(loops, int) or loops < 1:
            raise KDConfigError(f'CurriculumTemperatureHook.loops must be an int >= 1, got '
                                f'{loops!r}')
        self.loops, self.max_lambda, self.min_lambda = loops, max_lambda, min_lambda

    def _temperatures(self, runner):
        modules = {name: m for name, m in unwrap_model(runner.model).named_modules()
                   if isinstance(m, CurriculumTemperature)}
        if not modules:
            raise KDConfigError('CurriculumTemperatureHook is in custom_hooks, but no loss of '
                                "the model has tau=dict(type='CurriculumTemperature')")
        return modules

    def before_train(self, runner) -> None:
        self._modules = self._temperatures(runner)

    def before_train_epoch(self, runner) -> None:
        lam = curriculum_lambda(runner.epoch + 1, self.loops, self.max_lambda, self.min_lambda)
        for module in self._modules.values():
            module.grl_lambda = lam

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        for name, module in self._modules.items():
            value = module.value()
            if value is None:  # a per-instance temperature whose loss has not run yet
                continue
            with_tau = name.rpartition('.temperature_module')[0] or name
            runner.message_hub.update_scalar(
                f'train/tau.{with_tau.replace("distiller.distill_losses.", "")}', value)
