"""The optimizer wrappers an algorithm's default step hands its losses to in two parts."""
import torch
from mmengine.optim import OptimWrapper


class LossPartsOptimWrapper(OptimWrapper):
    """An MMEngine ``OptimWrapper`` that updates from a step's task loss (the student's own,
    ``student.*``) and its distillation losses (the rest) apart, instead of their sum:
    :meth:`BaseAlgorithm.train_step <mmkd.models.algorithms.BaseAlgorithm.train_step>`
    gives such a wrapper the two parts. DOT's ``DOTOptimWrapper`` is one."""

    def update_params_split(self, task_loss: torch.Tensor, distill_loss: torch.Tensor) -> None:
        """One update from the two parts of a step's loss."""
        raise NotImplementedError
