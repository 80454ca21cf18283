"""The updates an algorithm's default step makes with other optimizer wrappers than one
``OptimWrapper``: a wrapper that takes the loss in two parts, and a dict of wrappers."""
import torch
from mmengine.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict

from mmkd.utils.config_errors import KDConfigError


class LossPartsOptimWrapper(OptimWrapper):
    """An MMEngine ``OptimWrapper`` that updates from a step's task loss (the student's own,
    ``student.*``) and its distillation losses (the rest) apart, instead of their sum:
    :meth:`BaseAlgorithm.train_step <mmkd.models.algorithms.BaseAlgorithm.train_step>`
    gives such a wrapper the two parts. DOT's ``DOTOptimWrapper`` is one."""

    def update_params_split(self, task_loss: torch.Tensor, distill_loss: torch.Tensor) -> None:
        """One update from the two parts of a step's loss."""
        raise NotImplementedError


def update_together(optim_wrappers: OptimWrapperDict, loss: torch.Tensor) -> None:
    """Step every wrapper of ``optim_wrappers`` from one backward of ``loss``.

    Each parameter belongs to one wrapper (``SeparateOptimWrapperConstructor`` checks it), so
    one backward gives every wrapper its gradients; a loss that must reach one part only
    (a discriminator's, see ``AdversarialLoss``) keeps the others out of its graph itself.
    Every wrapper's ``backward`` still sees the loss (the first runs the backward; the others
    are handed the loss cut from the graph), so what guards or counts a wrapper's updates
    (``NonFiniteLossHook``, gradient accumulation) works for each.

    Raises:
        KDConfigError: for an ``AmpOptimWrapper`` in the dict (its loss scale would apply to
            the other wrappers' gradients too).
    """
    wrappers = list(optim_wrappers.items())
    for name, wrapper in wrappers:
        if isinstance(wrapper, AmpOptimWrapper):
            raise KDConfigError(
                f'optim_wrapper.{name}: an AmpOptimWrapper cannot share one backward with the '
                f'other optimizers of the step ({[n for n, _ in wrappers]}); use OptimWrapper '
                'with autocast in the model, or one optimizer')
    wrappers[0][1].backward(loss)
    for _, wrapper in wrappers[1:]:
        wrapper.backward(loss.detach().requires_grad_())
    for _, wrapper in wrappers:
        if wrapper.should_update():
            wrapper.step()
            wrapper.zero_grad()
