"""Apply loss-weight schedules to distillation losses while training."""
from typing import Dict, Optional

from mmengine.hooks import Hook

from mmkd.registry import HOOKS
from mmkd.utils.config_errors import KDConfigError, suggest
from mmkd.utils.dist_utils import unwrap_model
from ..loss_weight_schedules import build_schedule


def drop_stale_loss_logs(runner, distiller) -> None:
    """MMEngine logs every scalar it has seen: drop the entries of losses switched off at
    this step, so they do not repeat their last value."""
    for name, factor in distiller.loss_weight_factors.items():
        if factor == 0:
            runner.message_hub.log_scalars.pop(f'train/distill.{name}', None)


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

    @staticmethod
    def _distiller(runner):
        model = unwrap_model(runner.model)
        distiller = getattr(model, 'distiller', None)
        if distiller is None or not hasattr(distiller, 'set_loss_weight_factors'):
            raise KDConfigError('LossWeightScheduleHook needs a distillation algorithm with a '
                                f'ConfigurableDistiller; the model is {type(model).__name__}')
        return distiller

    def before_train(self, runner) -> None:
        losses = self._distiller(runner).distill_losses
        for name in self.schedules:
            if name not in losses:
                raise KDConfigError(
                    f'LossWeightScheduleHook.schedules.{name}: no such loss in '
                    'model.distiller.distill_losses. ' + suggest(name, losses))

    def before_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None) -> None:
        distiller = self._distiller(runner)
        factors = {name: float(schedule(runner.epoch if schedule.by_epoch else runner.iter))
                   for name, schedule in self.schedules.items()}
        distiller.set_loss_weight_factors(factors, 'LossWeightScheduleHook')
        drop_stale_loss_logs(runner, distiller)
