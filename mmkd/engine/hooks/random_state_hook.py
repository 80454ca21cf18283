"""Random number generator states saved with every checkpoint, so a resumed run continues the
random sequence (augmentations, dropout, random teacher draws) of the uninterrupted one."""
import random
from typing import Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook

from mmkd.registry import HOOKS


def capture_rng_state() -> dict:
    """Python's, NumPy's and torch's (CPU and, if present, CUDA) generator states."""
    state = dict(python=random.getstate(), numpy=np.random.get_state(),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict) -> None:
    """Set the generators to a state from :func:`capture_rng_state`."""
    random.setstate(_as_python_state(state['python']))
    np.random.set_state(tuple(state['numpy']))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


def _as_python_state(state):
    # random.getstate() is (version, tuple of ints, gauss); checkpoints may give lists back.
    version, internal, gauss = state
    return version, tuple(internal), gauss


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Saves every rank's generator states in checkpoints and restores them on resume.

    MMEngine reseeds a resumed run, so from the first resumed epoch on, random augmentations
    differ from those of the run that was not interrupted. This hook takes the states at the
    end of each training epoch (just before the checkpoint hook saves), stores them in the
    checkpoint under ``rng_state`` (one entry per rank), and restores this rank's entry when
    the first epoch of a run resumed from that checkpoint starts. Validation restores the
    states it found, so validating (or how often) does not change training either; together,
    an epoch-based run killed and resumed ends with the same weights as one that was not. Plain ``load_from`` (fine-tuning
    from weights) keeps the fresh seed.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._states: Optional[list] = None
        self._before_val: Optional[dict] = None
        self._pending: Optional[dict] = None

    def after_train_epoch(self, runner) -> None:
        mine = capture_rng_state()
        self._states = all_gather_object(mine) if get_world_size() > 1 else [mine]

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._states is not None:
            checkpoint['rng_state'] = self._states

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        states = checkpoint.get('rng_state')
        if not getattr(runner, '_resume', False) or not states:
            return
        if len(states) != get_world_size():
            runner.logger.warning(
                f'The checkpoint holds random states of {len(states)} processes and this run '
                f'has {get_world_size()}: random states are not restored.')
            return
        # Restored when the first resumed epoch starts: MMEngine reseeds after this hook when
        # the config's seed differs from the checkpoint's.
        self._pending = states[get_rank()]

    def before_train_epoch(self, runner) -> None:
        if self._pending is not None:
            restore_rng_state(self._pending)
            self._pending = None

    def before_val(self, runner) -> None:
        self._before_val = capture_rng_state()

    def after_val(self, runner) -> None:
        if self._before_val is not None:
            restore_rng_state(self._before_val)
            self._before_val = None
