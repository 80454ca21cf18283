"""Apply loss-weight schedules to distillation losses while training."""
from typing import Dict, Optional

from mmengine.hooks import Hook

from mmkd.registry import HOOKS
from mmkd.utils.config_errors import KDConfigError
from ..loss_weight_schedules import build_schedule
from .algorithm_losses import distilling_algorithm, drop_stale_loss_logs, resolve_loss


@HOOKS.register_module()
class LossWeightScheduleHook(Hook):
    """Scales distillation losses by a schedule, by epoch or by iteration.

    Example (DKD's warm-up, and KD switched off after epoch 100)::

        custom_hooks = [dict(type='LossWeightScheduleHook', schedules=dict(
            loss_dkd=dict(type='LinearWarmupWeight', warmup=20),
            loss_kd=dict(type='StopAtWeight', stop=100)))]

    Before every training iteration the factor of each named loss (``model.distiller.
    distill_losses`` key) is computed from the runner's epoch or iteration and multiplies that
    loss on top of its ``loss_weight``. A loss whose factor is 0 is not computed at all, and its
    entry is removed from the logs so it does not repeat its last value. Factors depend only on
    the counters, so a resumed run continues the schedule exactly.

    With several distillers (an algorithm's ``distillers()``), a loss that more than one of
    them holds is named ``<distiller>.<loss>``.

    Args:
        schedules (dict): distill loss name -> schedule config (``LinearWarmupWeight``,
            ``StepWeight``, ``CosineWeight``, ``StopAtWeight`` or a registered subclass of
            ``mmkd.engine.LossWeightSchedule``).
    """

    priority = 'NORMAL'

    def __init__(self, schedules: Dict[str, dict]) -> None:
        if not isinstance(schedules, dict) or not schedules:
            raise KDConfigError('LossWeightScheduleHook.schedules must be a non-empty dict of '
                                'distill loss name -> schedule config')
        self.schedules = {name: build_schedule(cfg, f'LossWeightScheduleHook.schedules.{name}')
                          for name, cfg in schedules.items()}

    def before_train(self, runner) -> None:
        model = distilling_algorithm(runner, 'LossWeightScheduleHook')
        # the (distiller, loss) each schedule scales, resolved once
        self._targets = {name: resolve_loss(model, name, f'LossWeightScheduleHook.schedules.'
                                                         f'{name}')
                         for name in self.schedules}

    def before_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None) -> None:
        model = distilling_algorithm(runner, 'LossWeightScheduleHook')
        by_distiller: Dict[str, Dict[str, float]] = {}
        for name, schedule in self.schedules.items():
            distiller, loss = self._targets[name]
            by_distiller.setdefault(distiller, {})[loss] = float(
                schedule(runner.epoch if schedule.by_epoch else runner.iter))
        distillers = model.distillers()
        for name, by_loss in by_distiller.items():
            distillers[name].set_loss_weight_factors(by_loss, 'LossWeightScheduleHook')
        drop_stale_loss_logs(runner, model)
