"""Record the inputs of a module."""
from typing import Any, Optional, Tuple

import torch.nn as nn

from mmkd.registry import TASK_UTILS
from ..utils.structures import clone_structure
from .base_recorder import BaseRecorder, get_submodule


@TASK_UTILS.register_module()
class ModuleInputs(BaseRecorder):
    """Record the positional inputs of the module named ``source``.

    The hook runs before the module, and the record is a clone, so an inplace module (e.g.
    ``ReLU(inplace=True)``) does not change it: recording the inputs of a block's last ReLU is
    how pre-ReLU methods (OFD, AB) tap features. A record is the tuple of inputs; for a module
    with a single input, ``get_record_data`` without ``data_idx`` returns that input itself
    (``data_idx=0`` works too, as in MMRazor).
    """

    def prepare_from_model(self, model: nn.Module) -> None:
        module = get_submodule(model, self.source, f'ModuleInputs(source={self.source!r})')
        self._handles.append(module.register_forward_pre_hook(self._hook))

    def _hook(self, module: nn.Module, inputs: Tuple) -> None:
        if self.recording:
            self.append(clone_structure(inputs))

    def get_record_data(self, record_idx: int = 0, data_idx: Optional[int] = None) -> Any:
        record = super().get_record_data(record_idx, data_idx)
        if data_idx is None and isinstance(record, tuple) and len(record) == 1:
            return record[0]
        return record
