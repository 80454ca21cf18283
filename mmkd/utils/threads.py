"""How many CPU threads torch uses in mmkd's commands (``--threads``).

torch starts one intra-op thread per core. When another job holds a core, those threads wait
for each other at every operation's barrier: on a 2-core machine with one core busy, the digits
teacher trained 6x slower with two threads than with one (README, "Threads"). ``auto`` counts
the cores that are idle when the command starts and uses that many.
"""
import os
import time
from typing import Optional, Tuple, Union

import torch

from .config_errors import KDConfigError

THREADS_HELP = ('torch CPU threads: a number, or "auto" (default): the cores idle when the '
                'command starts, so a busy machine is not oversubscribed; OMP_NUM_THREADS, '
                'when set, is used as given')


def _cpu_times() -> Optional[Tuple[int, int]]:
    """(idle, total) jiffies of all CPUs, from /proc/stat; None where it does not exist."""
    try:
        with open('/proc/stat') as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return idle, sum(fields[:8])


def idle_cores(window: float = 0.25) -> Optional[float]:
    """How many of the machine's cores were idle over ``window`` seconds (None if unknown)."""
    first = _cpu_times()
    if first is None:
        return None
    time.sleep(window)
    second = _cpu_times()
    total = second[1] - first[1]
    if total <= 0:
        return None
    return (second[0] - first[0]) / total * (os.cpu_count() or 1)


def choose_threads(requested: Union[str, int, None] = 'auto') -> Tuple[int, str]:
    """The thread count for ``--threads requested`` and why, in words.

    An int is used as given. ``'auto'``: ``OMP_NUM_THREADS`` when set; else the cores idle
    now (rounded, at least 1), at most torch's own default (the usable physical cores).
    """
    if requested is None:
        requested = 'auto'
    if isinstance(requested, str) and requested != 'auto':
        try:
            requested = int(requested)
        except ValueError:
            raise KDConfigError(f'--threads must be a number >= 1 or "auto", got {requested!r}')
    if isinstance(requested, int):
        if requested < 1:
            raise KDConfigError(f'--threads must be >= 1, got {requested}')
        return requested, 'as asked'
    env = os.environ.get('OMP_NUM_THREADS')
    if env and env.isdigit() and int(env) > 0:
        return int(env), 'OMP_NUM_THREADS'
    most = max(1, torch.get_num_threads())
    free = idle_cores()
    if free is None:
        return most, 'torch default'
    chosen = min(most, max(1, int(free + 0.5)))
    return chosen, f'auto: {free:.1f} of {os.cpu_count()} cores idle'


def apply_threads(requested: Union[str, int, None] = 'auto') -> str:
    """Set torch's thread count for ``--threads requested``; returns a line for the log."""
    threads, why = choose_threads(requested)
    torch.set_num_threads(threads)
    return f'torch CPU threads: {threads} ({why})'
