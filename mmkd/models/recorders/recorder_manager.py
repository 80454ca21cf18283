"""A named set of recorders installed on one model."""
from typing import Dict, Optional, Union

import torch
import torch.nn as nn

from mmkd.registry import TASK_UTILS
from mmkd.utils.config_errors import KDConfigError, suggest
from .base_recorder import BaseRecorder


class ForwardComplete(BaseException):
    """Raised from a hook to stop a forward pass once every record it needs is taken.

    A ``BaseException``, like ``KeyboardInterrupt``, so that a model's own ``except
    Exception`` cannot swallow it."""


class RecorderManager:
    """Builds recorders from configs, installs them on a model, and records as one.

    Args:
        recorders: ``name -> recorder config`` (or built recorder).
        key: the config key of ``recorders``, for error messages.

    ``stop_when_complete`` (off by default) makes the recorded model's forward stop with
    :class:`ForwardComplete` as soon as every recorder has as many records as in the first
    recorded pass: a frozen teacher then runs only as far as the recorded layers need.
    """

    def __init__(self, recorders: Optional[Dict[str, Union[dict, BaseRecorder]]] = None,
                 key: str = 'recorders') -> None:
        self.key = key
        self._recorders: Dict[str, BaseRecorder] = {}
        if recorders is None:
            recorders = {}
        if not isinstance(recorders, dict):
            raise KDConfigError(f'{key} must be a dict of name -> recorder config, got {recorders!r}')
        for name, cfg in recorders.items():
            self._recorders[name] = self._build(name, cfg)
        self._expected: Optional[Dict[str, int]] = None
        self.stop_when_complete = False

    def _build(self, name: str, cfg) -> BaseRecorder:
        if isinstance(cfg, BaseRecorder):
            return cfg
        if not isinstance(cfg, dict) or 'type' not in cfg:
            raise KDConfigError(f'{self.key}.{name} must be a dict with a "type", got {cfg!r}')
        if TASK_UTILS.get(cfg['type']) is None:
            valid = [n for n, c in TASK_UTILS.module_dict.items()
                     if isinstance(c, type) and issubclass(c, BaseRecorder)]
            raise KDConfigError(
                f'{self.key}.{name}.type={cfg["type"]!r} is not a registered recorder. '
                + suggest(cfg['type'], valid))
        try:
            recorder = TASK_UTILS.build(cfg)
        except TypeError as e:
            raise KDConfigError(f'{self.key}.{name}: {e}') from e
        if not isinstance(recorder, BaseRecorder):
            raise KDConfigError(f'{self.key}.{name}.type={cfg["type"]!r} is not a recorder')
        return recorder

    @property
    def recorders(self) -> Dict[str, BaseRecorder]:
        return self._recorders

    def get_recorder(self, name: str) -> BaseRecorder:
        if name not in self._recorders:
            raise KDConfigError(
                f'{self.key} has no recorder named {name!r}. ' + suggest(name, self._recorders))
        return self._recorders[name]

    def initialize(self, model: nn.Module) -> None:
        for name, recorder in self._recorders.items():
            try:
                recorder.initialize(model)
            except KDConfigError as e:
                raise KDConfigError(f'{self.key}.{name}.source: {e}') from e
            recorder.on_record = self._check_complete

    def remove(self) -> None:
        for recorder in self._recorders.values():
            recorder.remove()
            recorder.on_record = None

    def reset_data_buffer(self) -> None:
        for recorder in self._recorders.values():
            recorder.reset_data_buffer()

    def forget_pass(self) -> None:
        """Forget how many records a pass yields (after a probe pass on other inputs)."""
        self._expected = None

    def cast_records(self, dtype: torch.dtype) -> None:
        """Cast the floating-point tensors of this step's records to ``dtype`` (records of a
        pass under autocast are half precision; losses get them in full)."""
        from ..utils.structures import map_tensors

        def cast(t):
            return t.to(dtype) if t.is_floating_point() else t

        for recorder in self._recorders.values():
            recorder.data_buffer = [map_tensors(r, cast) for r in recorder.data_buffer]

    @property
    def needs_forward(self) -> bool:
        """False when no recorder takes its records from a forward pass (e.g. only Parameter)."""
        return any(r.expects_records for r in self._recorders.values())

    def _counts(self) -> Dict[str, int]:
        return {n: len(r.data_buffer) for n, r in self._recorders.items() if r.expects_records}

    def _check_complete(self) -> None:
        if (self.stop_when_complete and self._expected is not None
                and all(c >= self._expected[n] for n, c in self._counts().items())):
            raise ForwardComplete()

    def __enter__(self) -> 'RecorderManager':
        for recorder in self._recorders.values():
            recorder.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        for recorder in self._recorders.values():
            recorder.__exit__(exc_type, exc, tb)
        if exc_type is None and self._expected is None:
            # The first complete pass says how many records a pass yields.
            self._expected = self._counts()
        # A pass stopped early on purpose is not an error.
        return exc_type is ForwardComplete
