"""Record a parameter of the model (e.g. a classifier's weight matrix)."""
import torch.nn as nn

from mmkd.registry import TASK_UTILS
from mmkd.utils.config_errors import KDConfigError, suggest
from .base_recorder import BaseRecorder


@TASK_UTILS.register_module()
class Parameter(BaseRecorder):
    """Record the parameter named ``source``, e.g. ``'head.fc.weight'``.

    The record is the parameter itself (not a copy), available at ``record_idx=0`` at any time:
    a student parameter used in a loss gets gradients through it, and a teacher parameter is
    whatever the teacher holds now.
    """

    def prepare_from_model(self, model: nn.Module) -> None:
        params = dict(model.named_parameters())
        if self.source not in params:
            raise KDConfigError(
                f'Parameter(source={self.source!r}): {type(model).__name__} has no parameter '
                f'named {self.source!r}. ' + suggest(self.source, params))
        self.data_buffer = [params[self.source]]

    def reset_data_buffer(self) -> None:
        # The record is the parameter; it is not produced per step.
        pass

    def remove(self) -> None:
        self.data_buffer = []
        super().remove()

    @property
    def expects_records(self) -> bool:
        return False
