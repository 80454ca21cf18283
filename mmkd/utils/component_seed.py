"""Initial weights that depend on the run's seed and on the component alone.

An algorithm builds several models in one process: the student, its teachers (live, lean, or
none at all when their outputs come from a cache), peers, connectors. Drawn one after the
other from torch's global generator, the student's starting weights would depend on what was
built before it, so a run reading a teacher cache and a run with the live teacher, same
config and seed, would start from different students. Here every component is built, and
later initialised, with the generator seeded from the run's seed and the component's own name
(``'architecture'``, ``'teacher'``, ``'distiller.connectors.NAME'``, ...); the global
generator is restored afterwards, so what the run draws next (augmentation, dropout) does not
depend on what was built either.

The run's seed is ``torch.initial_seed()``: the seed MMEngine's runner set
(``randomness.seed``, or the one it drew when none is given).
"""
import hashlib
from contextlib import contextmanager
from typing import Iterator, Optional

import torch

# The key of the model being trained: an algorithm's student and a model trained alone by
# mmkd's commands share it, so a student trained alone and the same student distilled start
# from the same weights for the same seed.
STUDENT_KEY = 'architecture'

# The run's seed while a component is being built: components built inside another one (the
# student inside its algorithm) are seeded from the run's seed too, not from their parent's.
_run_seed: Optional[int] = None


def component_seed(seed: int, key: str) -> int:
    """A 63-bit seed for component ``key`` of a run with ``seed``; unrelated seeds for
    different keys (a hash, not an offset)."""
    digest = hashlib.blake2b(f'{int(seed)}/{key}'.encode(), digest_size=8).digest()
    return int.from_bytes(digest, 'little') >> 1


@contextmanager
def seeded_component(key: str, seed: Optional[int] = None) -> Iterator[None]:
    """Within the body, torch's CPU generator (and the current CUDA device's, when CUDA is in
    use) is seeded for component ``key``; afterwards both are as they were.

    Python's ``random`` and NumPy's generator are not touched: building and initialising
    torch modules draw from torch's.

    A component built inside another one takes its seed from the run's seed and its own
    key, as if it were built alone.

    Args:
        key: the component's name, e.g. ``'architecture'`` or ``'teacher.init'``.
        seed: the run's seed; defaults to ``torch.initial_seed()`` (outside any component).
    """
    global _run_seed
    outer = _run_seed
    if seed is None:
        seed = torch.initial_seed() if outer is None else outer
    value = component_seed(seed, key)
    cuda = torch.cuda.is_available() and torch.cuda.is_initialized()
    devices = [torch.cuda.current_device()] if cuda else []
    with torch.random.fork_rng(devices=devices):
        # Not torch.manual_seed: with CUDA not yet initialised it would queue this seed for
        # every CUDA device, to be applied after the body and replace the run's own.
        torch.default_generator.manual_seed(value)
        if cuda:
            torch.cuda.manual_seed(value)
        _run_seed = seed
        try:
            yield
        finally:
            _run_seed = outer
