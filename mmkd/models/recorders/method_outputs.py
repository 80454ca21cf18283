"""Record what a method of modules inside the model returns."""
import functools
import importlib
import types
from typing import List, Tuple

import torch.nn as nn

from mmkd.registry import TASK_UTILS
from mmkd.utils.config_errors import KDConfigError, suggest
from ..utils.structures import clone_structure
from .base_recorder import BaseRecorder


class _InstanceAttribute:
    """Handle that deletes an attribute set on one instance, restoring the class's method."""

    def __init__(self, obj: object, name: str) -> None:
        self.obj, self.name = obj, name

    def remove(self) -> None:
        self.obj.__dict__.pop(self.name, None)


@TASK_UTILS.register_module()
class MethodOutputs(BaseRecorder):
    """Record the return value of a method, on the instances inside one model only.

    ``source`` is either

    * a module path inside the model and a method name, e.g. ``'head.pre_logits'`` (``''`` before
      the dot, i.e. ``'.extract_feat'``, means the model itself); or
    * an import path of a class and a method, as in MMRazor, e.g.
      ``'mmpretrain.models.heads.ClsHead.pre_logits'``: every instance of that class inside the
      model is recorded.

    Unlike MMRazor, which replaces the method on the class (so every model in the process is
    affected), the wrapper is set on each instance and removed again by :meth:`remove`. It is a
    bound method, so ``copy.deepcopy`` of the model (EMA) rebinds it to the copy.
    """

    def _targets(self, model: nn.Module) -> List[Tuple[nn.Module, str]]:
        if '.' not in self.source:
            raise KDConfigError(
                f'MethodOutputs.source={self.source!r} must be "module.path.method" or '
                '"package.module.Class.method"')
        owner, method = self.source.rsplit('.', 1)
        modules = dict(model.named_modules())
        if owner in modules:
            instances = [modules[owner]]
        else:
            cls = _import_class(owner)
            if cls is None:
                raise KDConfigError(
                    f'MethodOutputs(source={self.source!r}): {owner!r} is neither a module of '
                    f'{type(model).__name__} nor an importable class. '
                    + suggest(owner, [n for n in modules if n]))
            instances = [m for m in model.modules() if isinstance(m, cls)]
            if not instances:
                raise KDConfigError(
                    f'MethodOutputs(source={self.source!r}): {type(model).__name__} has no '
                    f'instance of {cls.__name__}')
        for inst in instances:
            if not callable(getattr(type(inst), method, None)):
                raise KDConfigError(
                    f'MethodOutputs(source={self.source!r}): {type(inst).__name__} has no '
                    f'method {method!r}. '
                    + suggest(method, [a for a in dir(type(inst)) if not a.startswith('_')]))
        return [(inst, method) for inst in instances]

    def prepare_from_model(self, model: nn.Module) -> None:
        for inst, name in self._targets(model):
            wrapper = _recording_method(getattr(type(inst), name), self)
            inst.__dict__[name] = types.MethodType(wrapper, inst)
            self._handles.append(_InstanceAttribute(inst, name))


def _recording_method(original, recorder: BaseRecorder):
    """An unbound function that calls ``original`` and records its output."""

    @functools.wraps(original)
    def wrapper(obj, *args, **kwargs):
        outputs = original(obj, *args, **kwargs)
        if recorder.recording:
            recorder.append(clone_structure(outputs))
        return outputs

    return wrapper


def _import_class(path: str):
    if '.' not in path:
        return None
    module_name, cls_name = path.rsplit('.', 1)
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    cls = getattr(module, cls_name, None)
    return cls if isinstance(cls, type) else None
