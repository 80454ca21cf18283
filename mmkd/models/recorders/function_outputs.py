"""Record what a module-level function returns."""
import functools
import importlib

import torch.nn as nn

from mmkd.registry import TASK_UTILS
from mmkd.utils.config_errors import KDConfigError, suggest
from ..utils.structures import clone_structure
from .base_recorder import BaseRecorder


class _RestoreAttribute:

    def __init__(self, owner: object, name: str, original: object) -> None:
        self.owner, self.name, self.original = owner, name, original

    def remove(self) -> None:
        setattr(self.owner, self.name, self.original)


@TASK_UTILS.register_module()
class FunctionOutputs(BaseRecorder):
    """Record the return value of a function, e.g. ``'mypkg.models.ops.similarity'``.

    The function is looked up by the code that calls it through its module's namespace, so the
    wrapper must replace it there; it only records while recording is on (inside the algorithm's
    forward), and :meth:`remove` puts the original back. Code that did
    ``from mypkg.models.ops import similarity`` before the recorder was installed keeps its own
    reference and is not recorded: name the module where the caller looks the function up.
    """

    def prepare_from_model(self, model: nn.Module) -> None:
        if '.' not in self.source:
            raise KDConfigError(
                f'FunctionOutputs.source={self.source!r} must be "package.module.function"')
        module_name, func_name = self.source.rsplit('.', 1)
        try:
            module = importlib.import_module(module_name)
        except ImportError as e:
            raise KDConfigError(
                f'FunctionOutputs(source={self.source!r}): cannot import {module_name!r} ({e})')
        original = getattr(module, func_name, None)
        if not callable(original):
            raise KDConfigError(
                f'FunctionOutputs(source={self.source!r}): {module_name} has no function '
                f'{func_name!r}. ' + suggest(func_name, [
                    n for n in dir(module) if callable(getattr(module, n)) and not n.startswith('_')
                ]))
        recorder = self

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            outputs = original(*args, **kwargs)
            if recorder.recording:
                recorder.append(clone_structure(outputs))
            return outputs

        setattr(module, func_name, wrapper)
        self._handles.append(_RestoreAttribute(module, func_name, original))
