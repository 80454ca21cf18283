"""Record the batch statistics of every BatchNorm layer's input, beside its running ones."""
from typing import List, Tuple

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmkd.registry import TASK_UTILS
from .base_recorder import BaseRecorder, get_submodule

#: one layer's (batch mean, batch variance, running mean, running variance), each (C,)
LayerStatistics = Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


def batch_statistics(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and biased variance of a BatchNorm input (B, C, ...): over every
    dimension but the channels, as the layer itself normalises in train mode."""
    dims = [0] + list(range(2, x.dim()))
    return x.mean(dims), x.var(dims, unbiased=False)


@TASK_UTILS.register_module()
class BatchNormStatistics(BaseRecorder):
    """One record per pass of the module named ``source`` (e.g. ``'backbone'``): the list of
    :data:`LayerStatistics` of every BatchNorm layer under it with running statistics, in the
    order they ran. The batch statistics keep their gradient (a generator learns through
    them: DeepInversion's feature-distribution loss, ``BNStatisticsLoss``).

    The record is appended when ``source`` returns, so a teacher pass that stops once every
    record is taken still runs every BatchNorm under it.
    """

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._pending: List[LayerStatistics] = []

    def prepare_from_model(self, model: nn.Module) -> None:
        where = f'BatchNormStatistics(source={self.source!r})'
        root = get_submodule(model, self.source, where)
        norms = [m for m in root.modules()
                 if isinstance(m, _BatchNorm) and m.track_running_stats]
        if not norms:
            raise ValueError(f'{where}: {type(root).__name__} has no BatchNorm layer with '
                             'running statistics')
        self._handles.append(root.register_forward_pre_hook(self._start))
        for norm in norms:
            self._handles.append(norm.register_forward_pre_hook(self._layer))
        self._handles.append(root.register_forward_hook(self._finish))

    def _start(self, module: nn.Module, inputs) -> None:
        self._pending = []

    def _layer(self, module: _BatchNorm, inputs) -> None:
        if self.recording:
            mean, var = batch_statistics(inputs[0])
            self._pending.append((mean, var, module.running_mean, module.running_var))

    def _finish(self, module: nn.Module, inputs, outputs) -> None:
        if self.recording:
            record, self._pending = self._pending, []
            self.append(record)
