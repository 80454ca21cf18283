"""A frozen teacher's lean options: channels-last memory, autocast, ``torch.compile``."""
import contextlib
from typing import Callable, Optional

import torch
import torch.nn as nn

from mmkd.utils.config_errors import KDConfigError, check_keys

LEAN_KEYS = ('channels_last', 'autocast', 'compile')
AUTOCAST_DTYPES = {'bf16': torch.bfloat16, 'fp16': torch.float16}


def check_lean_options(cfg: Optional[dict], key: str, policy: str = 'frozen') -> dict:
    """Validate a frozen teacher's lean options: ``channels_last`` (bool), ``autocast``
    (``'bf16'``, ``'fp16'`` or None) and ``compile`` (False, True, or a dict of
    ``torch.compile`` arguments such as ``dict(mode='max-autotune')``)."""
    if cfg is None:
        return {}
    if not isinstance(cfg, dict):
        raise KDConfigError(f'{key} must be a dict with keys {list(LEAN_KEYS)}, got {cfg!r}')
    # a cached teacher keeps them: the cache builder runs the teacher with them
    if policy not in ('frozen', 'cached'):
        raise KDConfigError(f'{key} is for a frozen teacher (a trained or EMA teacher needs its '
                            f'full-precision pass); this one is {policy!r}')
    check_keys(cfg, LEAN_KEYS, key)
    autocast = cfg.get('autocast')
    if autocast is not None and autocast not in AUTOCAST_DTYPES:
        raise KDConfigError(f'{key}.autocast={autocast!r} is not valid; choose one of '
                            f'{list(AUTOCAST_DTYPES)} or None')
    compiled = cfg.get('compile', False)
    if not isinstance(compiled, (bool, dict)):
        raise KDConfigError(f'{key}.compile must be True, False or a dict of torch.compile '
                            f'arguments, got {compiled!r}')
    if isinstance(compiled, dict):
        import inspect
        valid = [n for n in inspect.signature(torch.compile).parameters if n != 'model']
        bad = [k for k in compiled if k not in valid]
        if bad:
            raise KDConfigError(f'{key}.compile: torch.compile has no argument(s) {bad}; '
                                f'valid: {valid}')
    return dict(channels_last=bool(cfg.get('channels_last', False)), autocast=autocast,
                compile=compiled)


def make_lean(teacher: nn.Module, options: dict) -> None:
    """Apply the build-time part of the lean options: channels-last weights, and
    ``torch.compile`` in place (``nn.Module.compile``: the module keeps its name, its
    submodules and its state-dict keys, so recorders and checkpoints see the same model; the
    recorders' hooks run inside the compiled code, and an early exit leaves it as usual)."""
    if options.get('channels_last'):
        teacher.to(memory_format=torch.channels_last)
    compiled = options.get('compile')
    if compiled:
        teacher.compile(**(compiled if isinstance(compiled, dict) else {}))


def run_lean(options: dict, inputs: torch.Tensor, forward: Callable[[torch.Tensor], object],
             recorders) -> object:
    """``forward(inputs)`` with the lean options of a frozen teacher: channels-last inputs,
    and autocast to bf16/fp16 for this pass only, its records then cast back to float32 so
    the losses see full precision."""
    if options.get('channels_last') and inputs.dim() == 4:
        inputs = inputs.contiguous(memory_format=torch.channels_last)
    dtype = AUTOCAST_DTYPES.get(options.get('autocast'))
    ctx = torch.autocast(device_type=inputs.device.type, dtype=dtype) if dtype is not None \
        else contextlib.nullcontext()
    try:
        with ctx:
            return forward(inputs)
    finally:  # also when the pass stops early, once its records are taken
        if dtype is not None:
            recorders.cast_records(torch.float32)
