"""Loss-weight schedules: a factor in [0, 1] (or any float) per epoch or iteration.

Each schedule is a small callable ``factor(t)`` where ``t`` is MMEngine's 0-based epoch (or
iteration) counter of the step being trained. They are registered in ``PARAM_SCHEDULERS`` so a
user's own schedule is one registered class away; :class:`LossWeightScheduleHook` applies them.
"""
import bisect
import math
from typing import Sequence

from mmkd.registry import PARAM_SCHEDULERS


class LossWeightSchedule:
    """Base: ``factor(t)`` for step ``t`` (0-based), counted in epochs or iterations."""

    def __init__(self, by_epoch: bool = True) -> None:
        self.by_epoch = by_epoch

    def __call__(self, t: int) -> float:
        raise NotImplementedError


@PARAM_SCHEDULERS.register_module()
class LinearWarmupWeight(LossWeightSchedule):
    """``min((t + 1) / warmup, 1)``: DKD's warm-up ``min(epoch / 20, 1)`` with mdistiller's
    1-based epochs is ``LinearWarmupWeight(warmup=20)`` (0.05 during the first epoch)."""

    def __init__(self, warmup: int, by_epoch: bool = True) -> None:
        super().__init__(by_epoch)
        if warmup < 1:
            raise ValueError(f'LinearWarmupWeight.warmup must be >= 1, got {warmup}')
        self.warmup = warmup

    def __call__(self, t: int) -> float:
        return min((t + 1) / self.warmup, 1.0)


@PARAM_SCHEDULERS.register_module()
class StepWeight(LossWeightSchedule):
    """``gamma ** (number of milestones <= t)``."""

    def __init__(self, milestones: Sequence[int], gamma: float = 0.1, by_epoch: bool = True) -> None:
        super().__init__(by_epoch)
        self.milestones = sorted(milestones)
        self.gamma = gamma

    def __call__(self, t: int) -> float:
        return self.gamma**bisect.bisect_right(self.milestones, t)


@PARAM_SCHEDULERS.register_module()
class CosineWeight(LossWeightSchedule):
    """Cosine from 1 at ``t = begin`` to ``eta_min`` at ``t = end``, constant outside."""

    def __init__(self, end: int, begin: int = 0, eta_min: float = 0.0, by_epoch: bool = True) -> None:
        super().__init__(by_epoch)
        if end <= begin:
            raise ValueError(f'CosineWeight needs end > begin, got begin={begin}, end={end}')
        self.begin, self.end, self.eta_min = begin, end, eta_min

    def __call__(self, t: int) -> float:
        progress = min(max((t - self.begin) / (self.end - self.begin), 0.0), 1.0)
        return self.eta_min + (1 - self.eta_min) * (1 + math.cos(math.pi * progress)) / 2


@PARAM_SCHEDULERS.register_module()
class StopAtWeight(LossWeightSchedule):
    """1 before ``stop``, 0 from ``stop`` on: the loss is then not computed and not logged."""

    def __init__(self, stop: int, by_epoch: bool = True) -> None:
        super().__init__(by_epoch)
        self.stop = stop

    def __call__(self, t: int) -> float:
        return 1.0 if t < self.stop else 0.0


def build_schedule(cfg: dict, key: str) -> LossWeightSchedule:
    from mmkd.utils.config_errors import KDConfigError, suggest
    valid = [n for n, c in PARAM_SCHEDULERS.module_dict.items()
             if isinstance(c, type) and issubclass(c, LossWeightSchedule)]
    if not isinstance(cfg, dict) or cfg.get('type') not in valid:
        got = cfg.get('type') if isinstance(cfg, dict) else cfg
        raise KDConfigError(f'{key}: {got!r} is not a loss-weight schedule. ' + suggest(str(got), valid))
    from mmkd.utils.scopes import mmkd_scope
    try:
        with mmkd_scope():
            return PARAM_SCHEDULERS.build(cfg)
    except (TypeError, ValueError) as e:
        raise KDConfigError(f'{key}: {e}') from e


__all__ = ['LossWeightSchedule', 'LinearWarmupWeight', 'StepWeight', 'CosineWeight',
           'StopAtWeight', 'build_schedule']
