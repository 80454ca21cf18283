"""Record the outputs of a module."""
from typing import Any, Tuple

import torch.nn as nn

from mmkd.registry import TASK_UTILS
from ..utils.structures import clone_structure
from .base_recorder import BaseRecorder, get_submodule


@TASK_UTILS.register_module()
class ModuleOutputs(BaseRecorder):
    """Record what the module named ``source`` (e.g. ``'backbone.layer4.1.bn2'``) returns.

    The record is a clone, so a later in-place op on the module's output (a residual
    ``out += identity``, an inplace ReLU) does not change it. The forward hook returns None and
    so never replaces the module's output.
    """

    def prepare_from_model(self, model: nn.Module) -> None:
        module = get_submodule(model, self.source, f'ModuleOutputs(source={self.source!r})')
        self._handles.append(module.register_forward_hook(self._hook))

    def _hook(self, module: nn.Module, inputs: Tuple, outputs: Any) -> None:
        if self.recording:
            self.append(clone_structure(outputs))
