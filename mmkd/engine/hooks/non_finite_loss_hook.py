"""Stop (or skip) training steps whose loss is not finite, before they reach the weights.

A diverging run (a learning rate too high, an unstable loss) first gives a huge loss, then
``nan``; left alone it trains on to the end with non-finite weights, and ``max_keep_ckpts``
deletes the last good checkpoint to make room for bad ones. With this hook the update of such
a step is never applied, and the run stops with a message that names the loss terms, the
iteration and the last checkpoint (or, with ``action='skip'``, goes on and counts the skipped
steps up to a limit). mmkd's commands add it to every run unless the config has one.
"""
import math
import os.path as osp
from typing import Dict, Iterator, List, Optional

import torch
from mmengine.dist import all_gather_object, get_world_size
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmkd.registry import HOOKS
from mmkd.utils.config_errors import KDConfigError
from mmkd.utils.dist_utils import unwrap_model

ACTIONS = ('stop', 'skip')
# message_hub key of the number of skipped steps (saved in checkpoints, so resuming keeps it)
SKIPPED_KEY = 'non_finite_skipped'


class NonFiniteError(RuntimeError):
    """Training stopped because a loss, a weight or a buffer is not finite; the message says
    where, when, and which checkpoint is the last good one."""


class UpdateGuard:
    """Withholds an optimizer wrapper's update when a loss of the update is not finite.

    Wraps the ``backward`` and ``step`` of one MMEngine ``OptimWrapper`` (any subclass:
    AMP, gradient accumulation) on the instance: ``backward`` notes whether its loss is
    finite (a tensor, no synchronisation) and runs as usual; ``step`` skips the optimizer
    step when any loss since the last step was not (on any process: the flag is reduced
    across processes), and the wrapper's ``zero_grad`` then clears the non-finite gradients.
    The weights, the optimizer's moments and its step counts stay as they were. The learning
    rate schedule still advances: the skipped step counts as an iteration.
    """

    def __init__(self, wrapper: OptimWrapper) -> None:
        self.wrapper = wrapper
        # What the instance itself held (MMEngine's parameter schedulers wrap `step` on the
        # instance with a call counter), to put back in remove().
        self._own = {name: wrapper.__dict__.get(name) for name in ('backward', 'step')}
        self._backward, self._step = wrapper.backward, wrapper.step
        self._bad: Optional[torch.Tensor] = None
        self.skipped = False  # the last step was withheld

        def step(**kwargs) -> None:
            self.step(**kwargs)

        # The schedulers check that `step` still counts: it does, by calling their wrapper.
        if getattr(self._step, '_with_counter', False):
            step._with_counter = True
        wrapper.backward, wrapper.step = self.backward, step

    def backward(self, loss: torch.Tensor, **kwargs) -> None:
        bad = ~torch.isfinite(loss.detach()).all()
        self._bad = bad if self._bad is None else self._bad | bad
        self._backward(loss, **kwargs)

    def step(self, **kwargs) -> None:
        bad, self._bad = self._bad, None
        if bad is not None:
            if get_world_size() > 1:
                bad = bad.to(torch.float32)
                torch.distributed.all_reduce(bad, op=torch.distributed.ReduceOp.MAX)
            if bool(bad):
                self.skipped = True
                return
        self._step(**kwargs)

    def remove(self) -> None:
        """Give the wrapper back what it had."""
        for name, own in self._own.items():
            if own is None:
                self.wrapper.__dict__.pop(name, None)
            else:
                setattr(self.wrapper, name, own)


def optim_wrappers(wrapper) -> Iterator[OptimWrapper]:
    """The ``OptimWrapper`` objects of a run (those of an ``OptimWrapperDict`` by name)."""
    if isinstance(wrapper, OptimWrapperDict):
        for inner in wrapper.values():
            yield from optim_wrappers(inner)
    elif isinstance(wrapper, OptimWrapper):
        yield wrapper


def non_finite_entries(tensors: Dict[str, torch.Tensor], limit: int = 5) -> List[str]:
    """``'name = value'`` for the first ``limit`` floating tensors of ``tensors`` that hold a
    non-finite value (the value shown is the first such element)."""
    found = []
    for name, value in tensors.items():
        if not torch.is_tensor(value) or not value.is_floating_point():
            continue
        finite = torch.isfinite(value)
        if not bool(finite.all()):
            found.append(f'{name} = {value[~finite].flatten()[0].item()}')
            if len(found) == limit:
                break
    return found


def last_checkpoint_sentence(runner) -> str:
    """Where the last checkpoint of the run is (every checkpoint mmkd writes is finite)."""
    path = runner.message_hub.get_info('last_ckpt')
    if path and osp.isfile(str(path)):
        return (f'The last checkpoint, {path}, was written before it and is intact (no '
                'checkpoint with non-finite weights is ever written, and none is deleted to '
                'make room for one); resuming from it would repeat the same steps.')
    return 'No checkpoint had been written yet.'


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Guards training against non-finite losses.

    Every optimizer update whose loss is ``nan`` or ``inf`` (on any process) is withheld
    (:class:`UpdateGuard` on each of the run's optimizer wrappers), and after the iteration:

    - ``action='stop'`` (default): the run stops with a :class:`NonFiniteError` whose message,
      also written to the log, names the non-finite loss terms (``distill.loss_kd = nan``,
      ``student.loss_cls = inf``, ...) and the process that had them, the iteration and epoch,
      and the last checkpoint, which holds the weights from before the divergence;
    - ``action='skip'``: the step is skipped with a warning and counted; the run stops as
      above once more than ``max_skipped`` steps were skipped (the count is kept in
      checkpoints). A skipped step's forward pass may still have changed norm layers'
      running statistics; if that left any non-finite buffer, the run stops at once.

    Checking costs one ``isfinite`` on the loss and one synchronisation per step (with
    several processes, one single-value all-reduce per step and per update); see
    ``benchmarks/README.md``. With ``CheckpointHook`` (mmkd's), no checkpoint with non-finite
    weights is written.

    Args:
        action (str): ``'stop'`` or ``'skip'``. Defaults to ``'stop'``.
        max_skipped (int): with ``'skip'``, the number of skipped steps allowed in the run;
            -1 for no limit. Defaults to 10.

    Example::

        custom_hooks = [dict(type='mmkd.NonFiniteLossHook', action='skip', max_skipped=20)]
    """

    # Before the logger, the schedulers and the checkpoint hook act on the iteration.
    priority = 'ABOVE_NORMAL'

    def __init__(self, action: str = 'stop', max_skipped: int = 10) -> None:
        if action not in ACTIONS:
            raise KDConfigError(f'NonFiniteLossHook.action={action!r} is not valid; choose one of '
                                f'{list(ACTIONS)}')
        if not isinstance(max_skipped, int) or max_skipped < -1:
            raise KDConfigError('NonFiniteLossHook.max_skipped must be an int >= 0, or -1 for no '
                                f'limit; got {max_skipped!r}')
        self.action, self.max_skipped = action, max_skipped
        self._guards: List[UpdateGuard] = []

    def before_train(self, runner) -> None:
        self._guards = [UpdateGuard(w) for w in optim_wrappers(runner.optim_wrapper)]

    def after_train(self, runner) -> None:
        for guard in self._guards:
            guard.remove()
        self._guards = []
        skipped = runner.message_hub.get_info(SKIPPED_KEY, 0)
        if skipped:
            runner.logger.warning(f'{skipped} training step(s) were skipped for non-finite '
                                  'losses (NonFiniteLossHook).')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        withheld = False
        for guard in self._guards:
            withheld, guard.skipped = withheld or guard.skipped, False
        terms = self._local_terms(outputs)
        if get_world_size() > 1:
            flag = torch.tensor(float(bool(terms)))
            if torch.distributed.get_backend() == 'nccl':
                flag = flag.cuda()
            torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
            if not withheld and not bool(flag):
                return
            where = [f'{", ".join(t)} (process {rank})'
                     for rank, t in enumerate(all_gather_object(terms)) if t]
        else:
            if not withheld and not terms:
                return
            where = [', '.join(terms)] if terms else []
        what = '; '.join(where) or 'the summed loss (its terms are finite; their sum is not)'
        when = f'iteration {runner.iter + 1}'
        if runner.train_loop is not None and hasattr(runner.train_loop, 'max_epochs'):
            when += f' (epoch {runner.epoch + 1}, batch {batch_idx + 1})'
        if self.action == 'skip':
            skipped = runner.message_hub.get_info(SKIPPED_KEY, 0) + 1
            runner.message_hub.update_info(SKIPPED_KEY, skipped)
            limit = '' if self.max_skipped < 0 else f' of at most {self.max_skipped}'
            runner.logger.warning(f'Non-finite loss at {when}: {what}. The update was skipped '
                                  f'({skipped}{limit} skipped so far).')
            broken = non_finite_entries(dict(unwrap_model(runner.model).named_buffers()))
            if broken:
                self._stop(runner, f'at {when} the forward pass of a skipped step (loss {what}) '
                           f'left non-finite buffers in the model: {", ".join(broken)} (norm '
                           'layers\' running statistics): the run cannot recover from that.')
            if 0 <= self.max_skipped < skipped:
                self._stop(runner, f'non-finite loss at {when}: {what}; more than '
                           f'{self.max_skipped} steps were skipped '
                           '(NonFiniteLossHook.max_skipped).')
            return
        self._stop(runner, f'non-finite loss at {when}: {what}. Its update was not applied.')

    def _local_terms(self, outputs: Optional[dict]) -> List[str]:
        if not isinstance(outputs, dict):
            return []
        total = outputs.get('loss')
        if torch.is_tensor(total) and bool(torch.isfinite(total.detach()).all()):
            return []  # the sum of the terms is finite, so is every term: one check a step
        if total is not None and not torch.is_tensor(total) and math.isfinite(float(total)):
            return []
        losses = {k: v.detach() if torch.is_tensor(v) else torch.tensor(float(v))
                  for k, v in outputs.items() if 'loss' in k and k != 'loss'}
        return non_finite_entries(losses, limit=len(losses))

    def _stop(self, runner, what: str) -> None:
        message = (
            f'Training stopped: {what} {last_checkpoint_sentence(runner)} Lower the learning rate '
            '(optim_wrapper.optimizer.lr) or clip gradients (optim_wrapper.clip_grad='
            'dict(max_norm=...)) and train again, or let the run skip such steps: '
            "custom_hooks=[dict(type='mmkd.NonFiniteLossHook', action='skip', "
            'max_skipped=10)].')
        runner.logger.error(message)
        raise NonFiniteError(message)
