from .distill_val_loop import DistillTestLoop, DistillValLoop
from .kd_runner import DEFAULT_CUSTOM_HOOKS, KDRunner, build_runner, with_safe_checkpoints

__all__ = ['DistillValLoop', 'DistillTestLoop', 'KDRunner', 'build_runner',
           'with_safe_checkpoints', 'DEFAULT_CUSTOM_HOOKS']
